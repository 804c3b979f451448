import { Injectable, type OnModuleDestroy } from '@nestjs/common';

/** How often the loop is timed; also the resolution of the lag (it reads up to this much low). */
export const LAG_TICK_MS = 10;

/** The window the mean lag is taken over. */
export const LAG_WINDOW_MS = 1000;
/** A turn still running is counted on its own once it is this many times the bound (a swamp of arrivals). */
export const SWAMPED_FACTOR = 3;

/**
 * The arithmetic of LoopLag, on times it is given (a unit spec drives it without a clock). Each
 * tick of the loop's timer records how late it fired; `mean(now)` is the mean lateness of the
 * ticks of the last LAG_WINDOW_MS, and `current(now)` how late the next tick already is (the turn
 * still running). A loop that is late turn after turn (the node cannot keep up) has a high mean;
 * one long pause (a major garbage collection) is one late tick among a hundred on time and barely
 * moves it, so a node below its capacity is never read as overloaded.
 */
export class LagMeter {
  private lastTick: number;
  private readonly tickAt: number[] = [];
  private readonly lateness: number[] = [];
  private head = 0;
  private sum = 0;

  constructor(now: number) {
    this.lastTick = now;
  }

  /** The loop ran its timers at `now`. */
  tick(now: number): void {
    const late = Math.max(0, now - this.lastTick - LAG_TICK_MS);
    this.lastTick = now;
    this.tickAt.push(now);
    this.lateness.push(late);
    this.sum += late;
    while (this.head < this.tickAt.length && this.tickAt[this.head] <= now - LAG_WINDOW_MS) {
      this.sum -= this.lateness[this.head];
      this.head++;
    }
    if (this.head > 256) {
      this.tickAt.splice(0, this.head);
      this.lateness.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Mean lateness of the ticks of the last LAG_WINDOW_MS (0 without any). */
  mean(now: number): number {
    let sum = this.sum;
    let count = this.tickAt.length - this.head;
    for (let i = this.head; i < this.tickAt.length && this.tickAt[i] <= now - LAG_WINDOW_MS; i++) {
      sum -= this.lateness[i];
      count--;
    }
    return count > 0 ? Math.max(0, sum / count) : 0;
  }

  /** How late the next tick already is: the turn still running. */
  current(now: number): number {
    return Math.max(0, now - this.lastTick - LAG_TICK_MS);
  }

  /** Whether work should wait: the mean over `maxMs`, or the running turn over SWAMPED_FACTOR × `maxMs`. */
  late(now: number, maxMs: number): boolean {
    return this.mean(now) > maxMs || this.current(now) > SWAMPED_FACTOR * maxMs;
  }

  /** For metrics and logs: the larger of the mean and the running turn. */
  ms(now: number): number {
    return Math.max(this.mean(now), this.current(now));
  }
}

/**
 * How late the event loop is: the signal of the admission checks (docs/reliability.md, Overload),
 * and the floor that keeps them from refusing everything (LagMeter says how lateness is measured).
 *
 * `admits(maxMs, floor)` is the decision: while the loop keeps time (LagMeter.late with `maxMs`)
 * everything is admitted; otherwise still the first `floor` of each turn. A node that is late because it is short of CPU (a busy
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
    if (maxMs > 0 && this.admittedThisTurn >= floor && this.meter.late(performance.now(), maxMs)) return false;
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
