import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { DeadlineWheel } from '../common/deadline-wheel.js';
import type { UserSocket } from '../socket/events.js';

/**
 * MAX_IDLE_TIME (docs/protocol.md §4.8): a socket that sends no event for that long is disconnected.
 * An event only stamps `socket.data.activeAt`; one shared wheel checks each socket when its
 * idle deadline comes and re-arms it from the last stamp, so no timer is touched per event.
 */
@Injectable()
export class IdleTimeout implements OnModuleDestroy {
  private readonly wheel: DeadlineWheel<UserSocket>;
  private readonly maxIdleMs: number;

  constructor(config: AppConfig) {
    this.maxIdleMs = config.maxIdleTimeMs;
    const resolution = Math.min(1000, Math.max(50, Math.floor(this.maxIdleMs / 4)));
    this.wheel = new DeadlineWheel(resolution, (socket) => this.due(socket));
  }

  /** Called on connect. */
  start(socket: UserSocket): void {
    const now = Date.now();
    socket.data.activeAt = now;
    this.wheel.schedule(socket, now + this.maxIdleMs);
  }

  /** Called on every client event. */
  touch(socket: UserSocket): void {
    socket.data.activeAt = Date.now();
  }

  clear(socket: UserSocket): void {
    this.wheel.cancel(socket);
  }

  onModuleDestroy(): void {
    this.wheel.stop();
  }

  private due(socket: UserSocket): void {
    if (!socket.connected) return;
    const deadline = (socket.data.activeAt ?? 0) + this.maxIdleMs;
    if (deadline > Date.now()) this.wheel.schedule(socket, deadline);
    else socket.disconnect(true);
  }
}
