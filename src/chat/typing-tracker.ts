import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';

/**
 * Typing states handled on this node: a state not refreshed within TYPING_TIMEOUT_MS ends with
 * `onExpire` (the server-sent `message:stop-typing`).
 */
@Injectable()
export class TypingTracker {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly config: AppConfig) {}

  start(chatId: string, userId: string, onExpire: () => void): void {
    const key = `${chatId}\u0000${userId}`;
    clearTimeout(this.timers.get(key));
    const timer = setTimeout(() => {
      this.timers.delete(key);
      onExpire();
    }, this.config.typingTimeoutMs);
    timer.unref();
    this.timers.set(key, timer);
  }

  /** True when a typing state was running. */
  stop(chatId: string, userId: string): boolean {
    const key = `${chatId}\u0000${userId}`;
    const timer = this.timers.get(key);
    clearTimeout(timer);
    return this.timers.delete(key);
  }
}
