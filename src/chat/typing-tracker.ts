import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { DeadlineWheel } from '../common/deadline-wheel.js';

/**
 * Typing states handled on this node: a state not refreshed within TYPING_TIMEOUT_MS ends with
 * `onExpire` (the server-sent `message:stop-typing`). All states share one deadline wheel.
 */
@Injectable()
export class TypingTracker implements OnModuleDestroy {
  private readonly expiries = new Map<string, () => void>();
  private readonly wheel: DeadlineWheel<string>;
  private readonly timeoutMs: number;

  constructor(config: AppConfig) {
    this.timeoutMs = config.typingTimeoutMs;
    const resolution = Math.min(250, Math.max(10, Math.floor(this.timeoutMs / 4)));
    this.wheel = new DeadlineWheel<string>(resolution, (key) => {
      const onExpire = this.expiries.get(key);
      this.expiries.delete(key);
      onExpire?.();
    });
  }

  start(chatId: string, userId: string, onExpire: () => void): void {
    const key = `${chatId}\u0000${userId}`;
    this.expiries.set(key, onExpire);
    this.wheel.schedule(key, Date.now() + this.timeoutMs);
  }

  /** True when a typing state was running. */
  stop(chatId: string, userId: string): boolean {
    const key = `${chatId}\u0000${userId}`;
    this.wheel.cancel(key);
    return this.expiries.delete(key);
  }

  onModuleDestroy(): void {
    this.wheel.stop();
  }
}
