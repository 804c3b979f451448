import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/error-codes.js';
import type { UserServer } from './events.js';

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
}
