import type { Server, Socket } from 'socket.io';
import type { Ack } from '../common/ack.js';
import type { ErrorBody } from '../common/error-codes.js';

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

export interface ConnectedPayload {
  userId: string;
  sessionId: string;
  socketId: string;
  serverTime: string;
}

export type LogoutReason = 'session_replaced' | 'session_limit' | 'force_logout' | (string & {});

/**
 * Server → client events of SPEC §2–§3, one place for the gateway, the services and the tests.
 * Backend-pushed events (allowlisted names) pass through with their own payloads.
 */
export interface ServerToClientEvents {
  connected: (payload: ConnectedPayload) => void;
  'auth:expired': (payload: { expiredAt: string }) => void;
  'auth:logout': (payload: { reason: LogoutReason }) => void;
  'server:shutdown': (payload: { reconnect: boolean }) => void;
  error: (error: ErrorBody) => void;
  'chat:member-joined': (payload: ChatMemberChange) => void;
  'chat:member-left': (payload: ChatMemberChange) => void;
  'message:new': (payload: ChatMessage) => void;
  'message:delivered': (payload: Receipt) => void;
  'message:read': (payload: Receipt) => void;
  'message:typing': (payload: TypingState) => void;
  'message:stop-typing': (payload: TypingState) => void;
  'reaction:new': (payload: Reaction) => void;
  'reaction:remove': (payload: Reaction) => void;
  'presence:update': (payload: PresenceUpdate) => void;
  [event: string]: (...args: never[]) => void;
}

export interface PresenceUpdate {
  userId: string;
  status: 'online' | 'away' | 'busy' | 'offline';
  customStatus: string | null;
  lastSeen: string | null;
}

export interface ChatMemberChange {
  chatId: string;
  userId: string;
}

export interface ChatMessage {
  messageId: string;
  chatId: string;
  senderId: string;
  content?: string;
  encryptedContent?: string;
  messageType: string;
  replyToId?: string;
  metadata?: Record<string, unknown>;
  tempId?: string;
  timestamp: string;
}

export interface Receipt {
  chatId: string;
  messageIds: string[];
  userId: string;
  timestamp: string;
}

export interface TypingState {
  chatId: string;
  userId: string;
}

export interface Reaction {
  chatId: string;
  messageId: string;
  reaction: string;
  userId: string;
  timestamp: string;
}

export interface ClientToServerEvents {
  'auth:refresh': (payload: { token: string }, ack?: (res: Ack<{ expiresAt: string | null }>) => void) => void;
  [event: string]: (...args: never[]) => void;
}

/** A logout every node applies to its own sockets in one step (SessionService). */
export interface LogoutOrder {
  rooms: string[];
  except: string[];
  reason: LogoutReason;
}

/** Node-to-node events through the adapter (`serverSideEmit`). */
export interface InterServerEvents {
  'session:logout': (order: LogoutOrder) => void;
}

export type UserServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, UserSocketData>;
export type UserSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, UserSocketData>;
