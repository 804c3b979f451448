import { Injectable, type OnModuleDestroy } from '@nestjs/common';

/** How often the loop is timed; also the resolution of the lag (it reads up to this much low). */
export const LAG_TICK_MS = 10;
/** How long a late turn keeps counting: the work it admitted may still be running. */
export const LAG_MEMORY_MS = 100;

/**
 * How late the event loop is: the signal of the admission checks (docs/reliability.md, Overload),
 * and the floor that keeps them from refusing everything.
 *
 * `ms` is the larger of
 * - the current turn's lag: the time since the loop last got round to its timers, less one tick.
 *   Every piece of work queued in this turn (HTTP requests, handshakes, socket traffic, a garbage
 *   collection) adds to it, so it is the wait of whatever arrives next, and it grows while the
 *   turn is still running — no window to wait for;
 * - the longest lag of the last LAG_MEMORY_MS: work admitted when the loop looked free often
 *   comes back later all at once (the replies of its Redis commands), and a turn it made long
 *   is the sign to admit less for a moment.
 *
 * `admits(maxMs, floor)` is the decision: under `maxMs` of lag everything is admitted; over it,
 * still the first `floor` of each turn. A node that is late because it is short of CPU (a busy
 * host, a container throttled at its limit) then keeps making progress at a pace it can bear
 * instead of refusing all work, and a turn swamped by arrivals still ends soon.
 */
@Injectable()
export class LoopLag implements OnModuleDestroy {
  private lastTick = performance.now();
  private recentMs = 0;
  private recentAt = 0;
  /** Admissions since the loop last ran its timers (this turn's). */
  private admittedThisTurn = 0;
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => this.tick(), LAG_TICK_MS);
    this.timer.unref();
  }

  /** Milliseconds the loop is late now, or was lately (0 on an idle loop). */
  get ms(): number {
    const now = performance.now();
    const current = Math.max(0, now - this.lastTick - LAG_TICK_MS);
    return now - this.recentAt <= LAG_MEMORY_MS ? Math.max(current, this.recentMs) : current;
  }

  /** Whether to admit one more piece of work: lag under `maxMs` (0: no limit), or among the first `floor` of this turn. */
  admits(maxMs: number, floor: number): boolean {
    if (maxMs > 0 && this.ms > maxMs && this.admittedThisTurn >= floor) return false;
    this.admittedThisTurn += 1;
    return true;
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const now = performance.now();
    const late = Math.max(0, now - this.lastTick - LAG_TICK_MS);
    if (late >= this.recentMs || now - this.recentAt > LAG_MEMORY_MS) {
      this.recentMs = late;
      this.recentAt = now;
    }
    this.lastTick = now;
    this.admittedThisTurn = 0;
  }
}
