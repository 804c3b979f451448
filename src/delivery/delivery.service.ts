import { Injectable } from '@nestjs/common';
import type { BroadcastOperator } from 'socket.io';
import type { GatewayAdapter } from '../cluster/gateway.adapter.js';
import type { AllowedEventName, BackendPayload, RecipientReport, ServerEventName, ServerToClientEvents, UserSocketData } from '../socket/events.js';
import { Rooms } from '../socket/rooms.js';
import { SocketServerRef } from '../socket/socket-server.ref.js';
import { PacketType } from 'socket.io-parser';

export type { RecipientReport } from '../socket/events.js';

/** Names Socket.IO's BroadcastOperator refuses to emit; the backend path refuses them the same way. */
const RESERVED_EVENTS = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

/**
 * The one implementation of "emit to users" and "emit to a room", used by HTTP, the control
 * bus, the internal namespace and user features. One publication per call, so a socket in
 * several target rooms still receives the event once. To users, the engine's answer to the
 * publication also says which of them had a live socket (one Redis call with the Redis engine).
 *
 * The gateway's own events are typed by ServerToClientEvents. Backend-pushed events (`push*`)
 * carry a name only known at run time; it must be an AllowedEventName, which only the
 * EMIT_ALLOWED_EVENTS check hands out, and goes out as the same EVENT packet Socket.IO's
 * `io.to(rooms).emit` builds.
 */
@Injectable()
export class DeliveryService {
  constructor(private readonly sockets: SocketServerRef) {}

  async toUsers<E extends ServerEventName>(userIds: string[], event: E, ...args: Parameters<ServerToClientEvents[E]>): Promise<RecipientReport> {
    const unique = [...new Set(userIds)];
    return report(unique, await this.publishToUsers(unique, [event, ...args]));
  }

  toRoom<E extends ServerEventName>(room: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.to(room).emit(event, ...args);
  }

  /** One broadcast to several rooms minus some (each socket at most once). */
  toRooms<E extends ServerEventName>(rooms: string[], except: string[], event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.to(rooms).except(except).emit(event, ...args);
  }

  /** Whether the connection `socketId` (on this node) is in `room`. */
  isIn(socketId: string, room: string): boolean {
    return this.sockets.io.sockets.sockets.get(socketId)?.rooms.has(room) ?? false;
  }

  /** Puts the connection `socketId` of this node into `room`(s) (no-op once it is gone). */
  async join(socketId: string, room: string | string[]): Promise<void> {
    await this.sockets.io.sockets.sockets.get(socketId)?.join(room);
  }

  /** Takes the connection `socketId` of this node out of `room`. */
  async leave(socketId: string, room: string): Promise<void> {
    await this.sockets.io.sockets.sockets.get(socketId)?.leave(room);
  }

  /** Puts every socket in `target` (a user's room, say), on every node, into `room`. */
  joinAll(target: string, room: string): void {
    this.sockets.io.in(target).socketsJoin(room);
  }

  /** Takes every socket in `target`, on every node, out of `room`. */
  leaveAll(target: string, room: string): void {
    this.sockets.io.in(target).socketsLeave(room);
  }

  /** A backend-pushed event to users' sockets. */
  async pushToUsers(userIds: string[], event: AllowedEventName, payload: BackendPayload): Promise<RecipientReport> {
    if (RESERVED_EVENTS.has(event)) throw new Error(`"${event}" is a reserved event name`);
    const unique = [...new Set(userIds)];
    return report(unique, await this.publishToUsers(unique, [event, payload]));
  }

  /** A backend-pushed event to a room. */
  pushToRoom(room: string, event: AllowedEventName, payload: BackendPayload): void {
    this.push([room], event, payload);
  }

  /** Publishes an EVENT to the users' rooms; resolves with those who had a live socket. */
  private async publishToUsers(userIds: string[], data: unknown[]): Promise<Set<string>> {
    const adapter = this.sockets.io.sockets.adapter as unknown as GatewayAdapter;
    const publication = adapter.publication({ type: PacketType.EVENT, data }, userIds.map(Rooms.user), []);
    if (!publication) throw new Error('Events to users travel as text: binary payloads are not supported');
    const [published] = await adapter.publishAll([publication]);
    return new Set(userIds.filter((_, i) => published.live?.[i] === true));
  }

  private to(rooms: string | string[]): BroadcastOperator<ServerToClientEvents, UserSocketData> {
    return this.sockets.io.to(rooms);
  }

  private push(rooms: string[], event: AllowedEventName, payload: BackendPayload): void {
    if (RESERVED_EVENTS.has(event)) throw new Error(`"${event}" is a reserved event name`);
    const packet = { type: PacketType.EVENT, nsp: '/', data: [event, payload] };
    this.sockets.io.sockets.adapter.broadcast(packet, { rooms: new Set(rooms), except: new Set(), flags: {} });
  }
}

function report(unique: string[], online: Set<string>): RecipientReport {
  return {
    total: unique.length,
    sent: unique.filter((u) => online.has(u)),
    failed: unique.filter((u) => !online.has(u)),
  };
}
