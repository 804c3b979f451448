import { Injectable, type OnModuleDestroy } from '@nestjs/common';

/** How often the loop is timed; also the resolution of the lag (it reads up to this much low). */
export const LAG_TICK_MS = 10;
/**
 * Weight of the newest turn in the smoothed lag. A lone long turn (a major garbage collection)
 * moves it by a fifth of its length, so one pause of a couple of hundred milliseconds refuses
 * nothing; turns that stay long (the node cannot keep up) bring it to their length within a few
 * dozen ticks.
 */
export const LAG_SMOOTHING = 0.2;

/**
 * The arithmetic of LoopLag, on times it is given (a unit spec drives it without a clock).
 * `ms(now)` is the larger of
 * - the current turn's lag: the time since the loop last got round to its timers, less one tick.
 *   Every piece of work queued in this turn (HTTP requests, handshakes, socket traffic) adds to
 *   it, so it is the wait of whatever arrives next, and it grows while the turn is still running;
 * - the smoothed lag of the recent turns: a loop that is late turn after turn is overloaded even
 *   between its long turns (the work it admitted comes back later, e.g. as Redis replies), while
 *   one long turn, a garbage collection, is not.
 */
export class LagMeter {
  private lastTick: number;
  private smoothed = 0;

  constructor(now: number) {
    this.lastTick = now;
  }

  /** The loop ran its timers at `now`. */
  tick(now: number): void {
    const late = Math.max(0, now - this.lastTick - LAG_TICK_MS);
    this.smoothed += LAG_SMOOTHING * (late - this.smoothed);
    this.lastTick = now;
  }

  ms(now: number): number {
    return Math.max(now - this.lastTick - LAG_TICK_MS, this.smoothed, 0);
  }
}

/**
 * How late the event loop is: the signal of the admission checks (docs/reliability.md, Overload),
 * and the floor that keeps them from refusing everything (LagMeter says how `ms` is measured).
 *
 * `admits(maxMs, floor)` is the decision: under `maxMs` of lag everything is admitted; over it,
 * still the first `floor` of each turn. A node that is late because it is short of CPU (a busy
 * host, a container throttled at its limit) then keeps making progress at a pace it can bear
 * instead of refusing all work, and a turn swamped by arrivals still ends soon.
 */
@Injectable()
export class LoopLag implements OnModuleDestroy {
  private readonly meter = new LagMeter(performance.now());
  /** Admissions since the loop last ran its timers (this turn's). */
  private admittedThisTurn = 0;
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => this.tick(), LAG_TICK_MS);
    this.timer.unref();
  }

  /** Milliseconds the loop is late now, or has been lately (0 on an idle loop). */
  get ms(): number {
    return this.meter.ms(performance.now());
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
    this.meter.tick(performance.now());
    this.admittedThisTurn = 0;
  }
}
