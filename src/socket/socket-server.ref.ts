import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/error-codes.js';
import type { UserServer, UserSocket } from './events.js';

/**
 * The `/` namespace server, handed over by the user gateway once Socket.IO is up, so services
 * can emit without depending on the gateway class.
 */
@Injectable()
export class SocketServerRef {
  private server?: UserServer;

  set(server: UserServer): void {
    this.server = server;
  }

  get io(): UserServer {
    if (!this.server) throw new AppError(ErrorCode.UNAVAILABLE, 'Socket server is not ready');
    return this.server;
  }

  get ready(): boolean {
    return this.server !== undefined;
  }

  /** This node's connected sockets in any of `rooms` and in none of `except`, each once. */
  localSocketsIn(rooms: string[], except: string[]): UserSocket[] {
    const nsp = this.io.sockets;
    const ids = new Set<string>();
    for (const room of rooms) for (const id of nsp.adapter.rooms.get(room) ?? []) ids.add(id);
    for (const room of except) for (const id of nsp.adapter.rooms.get(room) ?? []) ids.delete(id);
    const sockets: UserSocket[] = [];
    for (const id of ids) {
      const socket = nsp.sockets.get(id);
      if (socket) sockets.push(socket);
    }
    return sockets;
  }
}
