import { Injectable } from '@nestjs/common';
import type { UserSocket } from '../socket/events.js';
import { emitThenDisconnect } from '../socket/farewell.js';

/** setTimeout cannot wait longer than ~24.8 days; longer expiries re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Disconnects a socket at its token's `exp` (SPEC §2.2), after emitting `auth:expired`. */
@Injectable()
export class TokenExpiry {
  private readonly timers = new WeakMap<UserSocket, NodeJS.Timeout>();

  arm(socket: UserSocket): void {
    this.clear(socket);
    const expiresAt = socket.data.expiresAt;
    if (expiresAt === undefined) return;
    const delay = expiresAt - Date.now();
    if (delay <= 0) return this.expire(socket);
    const timer = setTimeout(() => (delay > MAX_TIMER_MS ? this.arm(socket) : this.expire(socket)), Math.min(delay, MAX_TIMER_MS));
    timer.unref();
    this.timers.set(socket, timer);
  }

  clear(socket: UserSocket): void {
    const t = this.timers.get(socket);
    if (t) clearTimeout(t);
    this.timers.delete(socket);
  }

  private expire(socket: UserSocket): void {
    const expiredAt = new Date(socket.data.expiresAt ?? Date.now()).toISOString();
    emitThenDisconnect(socket, 'auth:expired', { expiredAt });
  }
}
