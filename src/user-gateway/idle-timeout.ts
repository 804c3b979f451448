import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import type { UserSocket } from '../socket/events.js';

/** MAX_IDLE_TIME (SPEC §4.8): a socket that sends no event for that long is disconnected. */
@Injectable()
export class IdleTimeout {
  private readonly timers = new WeakMap<UserSocket, NodeJS.Timeout>();

  constructor(private readonly config: AppConfig) {}

  /** Called on connect and on every client event. */
  touch(socket: UserSocket): void {
    const existing = this.timers.get(socket);
    if (existing) {
      existing.refresh();
      return;
    }
    const timer = setTimeout(() => socket.disconnect(true), this.config.maxIdleTimeMs);
    timer.unref();
    this.timers.set(socket, timer);
  }

  clear(socket: UserSocket): void {
    clearTimeout(this.timers.get(socket));
    this.timers.delete(socket);
  }
}
