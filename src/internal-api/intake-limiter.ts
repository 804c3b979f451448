import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { LoopLag } from '../admission/loop-lag.js';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';

/** Requests admitted in each event-loop turn however late the loop is (LoopLag.admits). */
const INTAKE_FLOOR_PER_TURN = 1;

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
 * Admission control of the backend intake (docs/reliability.md, Overload), on two signals:
 * - the event loop's lag (LoopLag: its mean lateness over the last second while saturated, or a turn still running six times the bound), checked
 *   when a request arrives, before its body is read. It sees the whole backlog — requests,
 *   sockets, GC — and a refusal costs next to nothing, so a turn swamped by dozens of batches
 *   admits those that fit in INTAKE_MAX_EVENT_LOOP_DELAY_MS and answers the rest at once:
 *   /health/live and the sockets wait at most about that long. The first request of each turn
 *   is always admitted, so a node short of CPU slows down instead of refusing everything;
 * - emits in progress (a batch item counts one), which bounds the work waiting on Redis.
 * A refused request emits nothing; an admitted one always runs to the end, so nothing accepted is
 * dropped.
 */
@Injectable()
export class IntakeLimiter {
  private inFlight = 0;
  private readonly rejections: Counter<'reason'>;
  /**
   * One error per reason, thrown again and again: a refusal must cost next to nothing, and
   * building an Error (its stack trace) is most of what a refusal would otherwise cost.
   */
  private readonly refusals = {
    in_flight: new OverloadedError('too many emits in progress'),
    event_loop_delay: new OverloadedError('event loop delayed'),
  };

  constructor(
    private readonly config: AppConfig,
    private readonly lag: LoopLag,
    metrics: MetricsService,
  ) {
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

  /** Refuses a request that arrives while the event loop is late, beyond the first of its turn (call before reading its body). */
  admitNow(): void {
    if (!this.lag.admits(this.config.intake.maxEventLoopDelayMs, INTAKE_FLOOR_PER_TURN)) this.refuse('event_loop_delay');
  }

  /**
   * Admits `count` emits or throws OverloadedError. A batch larger than the cap is admitted when
   * nothing else is in progress, so no batch the API accepts can wait forever.
   */
  acquire(count: number): void {
    if (this.inFlight > 0 && this.inFlight + count > this.config.intake.maxInFlight) this.refuse('in_flight');
    this.inFlight += count;
  }

  release(count: number): void {
    this.inFlight -= count;
  }

  private refuse(reason: 'in_flight' | 'event_loop_delay'): never {
    this.rejections.inc({ reason });
    throw this.refusals[reason];
  }
}
