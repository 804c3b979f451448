import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { DeadlineWheel } from '../common/deadline-wheel.js';
import type { UserSocket } from '../socket/events.js';
import { emitThenDisconnect } from '../socket/emit-then-disconnect.js';

/** Expiry checks run every quarter second: `auth:expired` comes at most that long after `exp`. */
const RESOLUTION_MS = 250;

/**
 * Disconnects a socket at its token's `exp` (docs/protocol.md §2.2), after emitting `auth:expired`. All
 * sockets share one wheel of deadlines instead of holding a timer each.
 */
@Injectable()
export class TokenExpiry implements OnModuleDestroy {
  private readonly wheel = new DeadlineWheel<UserSocket>(RESOLUTION_MS, (socket) => this.expire(socket));

  arm(socket: UserSocket): void {
    const expiresAt = socket.data.expiresAt;
    if (expiresAt === undefined) return this.clear(socket);
    if (expiresAt <= Date.now()) {
      this.clear(socket);
      return this.expire(socket);
    }
    this.wheel.schedule(socket, expiresAt);
  }

  clear(socket: UserSocket): void {
    this.wheel.cancel(socket);
  }

  onModuleDestroy(): void {
    this.wheel.stop();
  }

  private expire(socket: UserSocket): void {
    const expiredAt = new Date(socket.data.expiresAt ?? Date.now()).toISOString();
    emitThenDisconnect(socket, 'auth:expired', { expiredAt });
  }
}
