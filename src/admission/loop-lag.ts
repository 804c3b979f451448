import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';

/** How often the loop is timed; also the resolution of the lag (it reads up to this much low). */
export const LAG_TICK_MS = 10;

/**
 * When a loop that is late counts as overloaded (LoopLag.admits): swamped — a turn still running
 * `swampedFactor` times the bound — or, with `saturated`, late on average while busy at least
 * `share` of the last `windowMs` (event-loop utilisation, the running turn included). A node with
 * idle time left is not overloaded, however late one of its turns ran (a garbage collection, a
 * burst).
 */
export interface LoadPolicy {
  swampedFactor: number;
  saturated?: { share: number; windowMs: number };
}

/**
 * The backend intake: it paces what it admits over turns (TurnQueue) and bounds its own backlog
 * (IntakeLimiter: emits in flight, their wait for a turn), so a loop that is merely late and busy
 * answers slower, as a bare server does, and only a turn ten times the bound refuses on lateness.
 */
export const INTAKE_LOAD: LoadPolicy = { swampedFactor: 10 };
/** Handshakes: a storm lands thousands at once; refuse sooner (busy 85 % of half a second, or a turn six times the bound). */
export const HANDSHAKE_LOAD: LoadPolicy = { swampedFactor: 6, saturated: { share: 0.85, windowMs: 500 } };
/** Utilisation snapshots span the longest window of the policies. */
const SNAPSHOT_WINDOW_MS = 1000;
/** Utilisation snapshots are kept this often (every this many ticks). */
const SNAPSHOT_EVERY_TICKS = 10;

/** The window the mean lag is taken over. */
export const LAG_WINDOW_MS = 1000;

/**
 * The arithmetic of LoopLag, on times it is given (a unit spec drives it without a clock). Each
 * tick of the loop's timer records how late it fired; `mean(now)` is the mean lateness of the
 * ticks of the last LAG_WINDOW_MS, and `current(now)` how late the next tick already is (the turn
 * still running). A loop that is late turn after turn (the node cannot keep up) has a high mean;
 * one long pause (a major garbage collection) is left out of it, even on a busy loop whose second
 * has only a few dozen ticks, so a node below its capacity is never read as overloaded.
 */
export class LagMeter {
  private lastTick: number;
  private readonly tickAt: number[] = [];
  private readonly lateness: number[] = [];
  private head = 0;

  constructor(now: number) {
    this.lastTick = now;
  }

  /** The loop ran its timers at `now`. */
  tick(now: number): void {
    const late = Math.max(0, now - this.lastTick - LAG_TICK_MS);
    this.lastTick = now;
    this.tickAt.push(now);
    this.lateness.push(late);
    while (this.head < this.tickAt.length && this.tickAt[this.head] <= now - LAG_WINDOW_MS) this.head++;
    if (this.head > 256) {
      this.tickAt.splice(0, this.head);
      this.lateness.splice(0, this.head);
      this.head = 0;
    }
  }

  /**
   * Mean lateness of the ticks of the last LAG_WINDOW_MS (0 without any), the longest tick of the
   * window left out when there are others: one pause (a major collection) on a loop already busy
   * with long turns, when a second has a few dozen ticks, must not read as a late loop on its own.
   */
  mean(now: number): number {
    let sum = 0;
    let count = 0;
    let longest = 0;
    for (let i = this.head; i < this.tickAt.length; i++) {
      if (this.tickAt[i] <= now - LAG_WINDOW_MS) continue;
      const late = this.lateness[i];
      sum += late;
      count++;
      if (late > longest) longest = late;
    }
    if (count === 0) return 0;
    return count === 1 ? sum : (sum - longest) / (count - 1);
  }

  /** How late the next tick already is: the turn still running. */
  current(now: number): number {
    return Math.max(0, now - this.lastTick - LAG_TICK_MS);
  }

  /** The running turn is over `factor` × `maxMs`: arrivals swamp the loop now. */
  swamped(now: number, maxMs: number, factor: number): boolean {
    return this.current(now) > factor * maxMs;
  }

  /** The loop has been late on average over the window. */
  late(now: number, maxMs: number): boolean {
    return this.mean(now) > maxMs;
  }

  /** For metrics and logs: the larger of the mean and the running turn. */
  ms(now: number): number {
    return Math.max(this.mean(now), this.current(now));
  }
}

/**
 * LoopLag.admits' decision past the turn's floor, on a meter and a utilisation it is given: the
 * running turn is swamped, or (with `policy.saturated`) the loop is late on average and busy.
 */
export function overloaded(meter: LagMeter, now: number, maxMs: number, policy: LoadPolicy, utilisation: (windowMs: number) => number): boolean {
  if (meter.swamped(now, maxMs, policy.swampedFactor)) return true;
  const busy = policy.saturated;
  return busy !== undefined && meter.late(now, maxMs) && utilisation(busy.windowMs) >= busy.share;
}

/**
 * How late the event loop is: the signal of the admission checks (docs/reliability.md, Overload),
 * and the floor that keeps them from refusing everything (LagMeter says how lateness is measured).
 *
 * `admits(maxMs, floor, policy)` is the decision: while the loop keeps time (LagMeter.late with `maxMs`)
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
  /** Utilisation snapshots, oldest first, one every SNAPSHOT_EVERY_TICKS ticks, spanning about SNAPSHOT_WINDOW_MS. */
  private readonly snapshots: EventLoopUtilization[] = [performance.eventLoopUtilization()];
  private ticks = 0;
  /** `utilisation` for `overloaded`, made once: admits runs for every request past a turn's floor. */
  private readonly busy = (windowMs: number): number => this.utilisation(windowMs);

  constructor() {
    this.timer = setInterval(() => this.tick(), LAG_TICK_MS);
    this.timer.unref();
  }

  /** Milliseconds the loop is late now, or has been lately (0 on an idle loop). */
  get ms(): number {
    return this.meter.ms(performance.now());
  }

  /** How long the running turn has run (about: since the loop last ran its timers). */
  get turnMs(): number {
    return this.meter.current(performance.now());
  }

  /** Share of the last `windowMs` (about, at most SNAPSHOT_WINDOW_MS) the loop was busy, the running turn included. */
  utilisation(windowMs: number): number {
    const back = Math.round(windowMs / (SNAPSHOT_EVERY_TICKS * LAG_TICK_MS));
    const since = this.snapshots[Math.max(0, this.snapshots.length - back)];
    return performance.eventLoopUtilization(performance.eventLoopUtilization(), since).utilization;
  }

  /**
   * Whether to admit one more piece of work (`maxMs` 0: no limit). Yes among the first `floor` of
   * this turn; otherwise no while the running turn is swamped (LagMeter.swamped), or while the
   * loop is late on average (LagMeter.late) and saturated, for a policy that says so
   * (`overloaded`): a node with idle time left is not overloaded because a collection or a burst
   * made one second slow.
   */
  admits(maxMs: number, floor: number, policy: LoadPolicy): boolean {
    if (maxMs > 0 && this.admittedThisTurn >= floor && overloaded(this.meter, performance.now(), maxMs, policy, this.busy)) return false;
    this.admittedThisTurn += 1;
    return true;
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    this.meter.tick(performance.now());
    this.admittedThisTurn = 0;
    if (++this.ticks % SNAPSHOT_EVERY_TICKS !== 0) return;
    this.snapshots.push(performance.eventLoopUtilization());
    if (this.snapshots.length > SNAPSHOT_WINDOW_MS / (SNAPSHOT_EVERY_TICKS * LAG_TICK_MS)) this.snapshots.shift();
  }
}
