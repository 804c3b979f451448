import { Injectable } from '@nestjs/common';
import { ConnectionStore } from '../engine/connection.store.js';
import { Rooms } from '../socket/rooms.js';
import { SocketServerRef } from '../socket/socket-server.ref.js';

export interface RecipientReport {
  total: number;
  /** Recipients with at least one live socket on any node. */
  sent: string[];
  failed: string[];
}

/**
 * The one implementation of "emit to users" and "emit to a room", used by HTTP, the control
 * bus, the internal namespace and user features. One adapter broadcast per call, so a socket
 * in several target rooms still receives the event once.
 */
@Injectable()
export class DeliveryService {
  constructor(
    private readonly sockets: SocketServerRef,
    private readonly connections: ConnectionStore,
  ) {}

  async toUsers(userIds: string[], event: string, payload: unknown): Promise<RecipientReport> {
    const unique = [...new Set(userIds)];
    const online = await this.connections.onlineUsers(unique, Date.now());
    this.sockets.io.to(unique.map(Rooms.user)).emit(event, payload as never);
    return {
      total: unique.length,
      sent: unique.filter((u) => online.has(u)),
      failed: unique.filter((u) => !online.has(u)),
    };
  }

  toRoom(room: string, event: string, payload: unknown): void {
    this.sockets.io.to(room).emit(event, payload as never);
  }

  /** One broadcast to several rooms minus some (each socket at most once). */
  toRooms(rooms: string[], except: string[], event: string, payload: unknown): void {
    this.sockets.io.to(rooms).except(except).emit(event, payload as never);
  }
}
