import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@realtime-gateway/client/events';

/*
 * The event map of docs/protocol.md §2–§9 is the client package's wire contract
 * (packages/client/src/events.ts): the gateways, the services, the tests and the AsyncAPI
 * document import it from here, where the server-side typing (socket.io's Server and Socket
 * over the maps, the socket data) is added. Types only.
 */
export type * from '@realtime-gateway/client/events';

declare const allowlisted: unique symbol;

/**
 * An event name that passed the EMIT_ALLOWED_EVENTS check (EventAllowlist hands these out):
 * the only kind of name the delivery path pushes outside the typed map.
 */
export type AllowedEventName = string & { readonly [allowlisted]: true };

/** What a user socket carries once authenticated (set once at the handshake). */
export interface UserSocketData {
  userId: string;
  sessionId: string;
  roles: string[];
  expiresAt?: number;
  chats: string[];
  /** Time of the socket's last client event (MAX_IDLE_TIME). */
  activeAt?: number;
}

/** No namespace sends Socket.IO's server-side events: what nodes tell each other goes through the engine's NodeBus. */
export type NoInterServerEvents = Record<string, never>;

export type UserServer = Server<ClientToServerEvents, ServerToClientEvents, NoInterServerEvents, UserSocketData>;
export type UserSocket = Socket<ClientToServerEvents, ServerToClientEvents, NoInterServerEvents, UserSocketData>;
