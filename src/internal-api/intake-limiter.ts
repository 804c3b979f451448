import { performance } from 'node:perf_hooks';
import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { INTAKE_LOAD, LoopLag } from '../admission/loop-lag.js';
import { TurnQueue } from '../admission/turn-queue.js';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';

/** Requests admitted in each event-loop turn however late the loop is (LoopLag.admits). */
const INTAKE_FLOOR_PER_TURN = 1;

/**
 * Emits run while the running turn has spent less than this share of INTAKE_MAX_EVENT_LOOP_DELAY_MS;
 * the rest wait for the next turns (TurnQueue), so timers, probes and sockets run in between.
 */
const TURN_BUDGET_SHARE = 1;
/**
 * New requests are refused while an admitted one has waited this many times the bound for its
 * turn: the node is behind (a major collection on a shared core stalls it for a few hundred ms,
 * which alone must not refuse anything).
 */
const QUEUE_WAIT_FACTOR = 20;

/**
 * For emits still waiting for their turn, the cap on emits in flight rises to what the node
 * completed in the last second, at most this many times INTAKE_MAX_IN_FLIGHT (IntakeLimiter.cap).
 */
const QUEUED_CAP_FACTOR = 4;

/** Emits completed per second, over the last whole second and the running one (injected clock). */
export class CompletionRate {
  private second = 0;
  private current = 0;
  private previous = 0;

  constructor(private readonly now: () => number) {}

  add(count: number): void {
    this.roll();
    this.current += count;
  }

  /** Completions of the last whole second, or of the running one when it already has more. */
  perSecond(): number {
    this.roll();
    return Math.max(this.previous, this.current);
  }

  private roll(): void {
    const second = Math.floor(this.now() / 1000);
    if (second === this.second) return;
    this.previous = second === this.second + 1 ? this.current : 0;
    this.current = 0;
    this.second = second;
  }
}

/** What Retry-After suggests: the loop catches up within a second, or the in-flight emits end. */
export const RETRY_AFTER_SEC = 1;

/** Thrown when the intake is past a bound; answered 503 with Retry-After (docs/protocol.md §6.3). */
export class OverloadedError extends AppError {
  override readonly retryAfterSec = RETRY_AFTER_SEC;

  constructor(reason: string) {
    super(ErrorCode.UNAVAILABLE, `Gateway overloaded (${reason}); retry later`);
  }
}

/**
 * Admission control and pacing of the backend intake (docs/reliability.md, Overload).
 * Pacing: an admitted emit runs in its turn (TurnQueue): at once while the loop's running turn has
 * spent less than INTAKE_MAX_EVENT_LOOP_DELAY_MS, else after those admitted before it, in
 * later turns, so a convoy of requests is spread over turns and /health/live and the sockets wait
 * about that long at most. Refusal, checked when a request arrives, before its body is read (a
 * refusal costs next to nothing):
 * - an admitted emit has waited QUEUE_WAIT_FACTOR times the bound for its turn (the node is behind);
 * - a turn still running ten times the bound (LoopLag, INTAKE_LOAD: arrivals swamp the loop). A
 *   loop that is merely late and busy — at its capacity, or after a collection's pause — is not
 *   refused for it: the pacing already spreads the work, and the backlog is bounded by the other
 *   two checks, so a backend with bounded concurrency is answered slower, as a bare server would.
 *   The first request of each turn is always admitted;
 * - emits in flight, waiting for their turn or in progress (a batch item counts one), which
 *   bounds the work queued and waiting on Redis. Those past their turn (waiting on Redis) are held
 *   to INTAKE_MAX_IN_FLIGHT; those still waiting for their turn may go past it, up to what the
 *   node completed in the last second (at most QUEUED_CAP_FACTOR times the setting): about a
 *   second of work, which queue_wait bounds in time — a backend's burst after a pause, or 512
 *   batches kept in flight by a busy backend, is taken, not refused.
 * A refused request emits nothing; an admitted one always runs to the end, so nothing accepted is
 * dropped.
 */
@Injectable()
export class IntakeLimiter {
  private inFlight = 0;
  /** Of those, the emits still waiting for their turn (TurnQueue). */
  private queued = 0;
  /** Emits (batch items) completed lately; the clock is replaceable for the unit spec. */
  completions = new CompletionRate(() => performance.now());
  private readonly queue: TurnQueue;
  private readonly rejections: Counter<'reason'>;
  /**
   * One error per reason, thrown again and again: a refusal must cost next to nothing, and
   * building an Error (its stack trace) is most of what a refusal would otherwise cost.
   */
  private readonly refusals = {
    in_flight: new OverloadedError('too many emits in progress'),
    event_loop_delay: new OverloadedError('event loop delayed'),
    queue_wait: new OverloadedError('emits waiting too long for their turn'),
  };

  constructor(
    private readonly config: AppConfig,
    private readonly lag: LoopLag,
    metrics: MetricsService,
  ) {
    const bound = config.intake.maxEventLoopDelayMs;
    this.queue = new TurnQueue(bound * TURN_BUDGET_SHARE, () => lag.turnMs, () => performance.now(), setImmediate);
    const limiter = this;
    new Gauge({
      name: 'gateway_intake_in_flight',
      help: 'Backend emits in progress (HTTP intake)',
      registers: [metrics.registry],
      collect() {
        this.set(limiter.inFlight);
      },
    });
    this.rejections = new Counter({ name: 'gateway_intake_rejections_total', help: 'Intake requests answered 503 by reason', labelNames: ['reason'], registers: [metrics.registry] });
  }

  /**
   * Refuses a request that arrives while the event loop is late, beyond the first of its turn, or
   * while the emits in flight already fill INTAKE_MAX_IN_FLIGHT (whatever its body, `acquire` would
   * refuse it) — call before reading its body: parsing the 40 KB body of a batch only to refuse it
   * took a quarter of an overloaded node's CPU.
   */
  admitNow(): void {
    if (this.full(1)) this.refuse('in_flight');
    const bound = this.config.intake.maxEventLoopDelayMs;
    if (bound > 0 && this.queue.oldestWaitMs() > QUEUE_WAIT_FACTOR * bound) this.refuse('queue_wait');
    if (!this.lag.admits(bound, INTAKE_FLOOR_PER_TURN, INTAKE_LOAD)) this.refuse('event_loop_delay');
  }

  /**
   * Runs an admitted request's `work` in its turn (TurnQueue): at once while this turn has budget
   * left and nothing waits, else after those admitted before it.
   */
  inTurn<T>(work: () => Promise<T>, count = 1): Promise<T> {
    // The common case, with nothing to wait for: no promise or closure of our own.
    if (this.queue.runsNow()) return work();
    this.queued += count;
    return new Promise<T>((resolve, reject) =>
      this.queue.run(() => {
        this.queued -= count;
        void work().then(resolve, reject);
      }),
    );
  }

  /**
   * Admits `count` emits or throws OverloadedError. A batch larger than the cap is admitted when
   * nothing else is in progress, so no batch the API accepts can wait forever.
   */
  acquire(count: number): void {
    if (this.full(count)) this.refuse('in_flight');
    this.inFlight += count;
  }

  /**
   * Whether `count` more emits would pass the cap (never while nothing is in flight): past
   * INTAKE_MAX_IN_FLIGHT when the emits past their turn fill it on their own, else past `cap()`.
   */
  private full(count: number): boolean {
    const total = this.inFlight + count;
    const base = this.config.intake.maxInFlight;
    if (this.inFlight === 0 || total <= base) return false;
    return this.inFlight - this.queued >= base || total > this.cap();
  }

  /**
   * The emits allowed in flight when the extra ones wait for their turn: what the node completed
   * in the last second, between INTAKE_MAX_IN_FLIGHT and QUEUED_CAP_FACTOR times it. About a
   * second of work queues at most, which the node clears in its next turns.
   */
  private cap(): number {
    const base = this.config.intake.maxInFlight;
    return Math.min(QUEUED_CAP_FACTOR * base, Math.max(base, this.completions.perSecond()));
  }

  release(count: number): void {
    this.inFlight -= count;
    this.completions.add(count);
  }

  private refuse(reason: 'in_flight' | 'event_loop_delay' | 'queue_wait'): never {
    this.rejections.inc({ reason });
    throw this.refusals[reason];
  }
}
