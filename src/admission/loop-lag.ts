import { Injectable, type OnModuleDestroy } from '@nestjs/common';

/** How often the loop is timed; also the resolution of the lag (it reads up to this much low). */
export const LAG_TICK_MS = 10;

/**
 * How late the event loop is right now: the time since it last got round to its timers, less one
 * tick. Every piece of work queued in this turn (HTTP requests, handshakes, socket traffic, a
 * garbage collection) adds to it, so it is the wait of whatever arrives next: the signal of the
 * admission checks (docs/reliability.md, Overload). Unlike a delay histogram it needs no window:
 * a turn that has run long is refused new work while it is still running.
 */
@Injectable()
export class LoopLag implements OnModuleDestroy {
  private lastTick = performance.now();
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => (this.lastTick = performance.now()), LAG_TICK_MS);
    this.timer.unref();
  }

  /** Milliseconds the current loop turn has run past its timers (0 on an idle loop). */
  get ms(): number {
    return Math.max(0, performance.now() - this.lastTick - LAG_TICK_MS);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }
}
