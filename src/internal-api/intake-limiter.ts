import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';

/** How often the event-loop delay is sampled; also what Retry-After suggests, rounded up to 1 s. */
const LAG_WINDOW_MS = 500;
export const RETRY_AFTER_SEC = 1;
const LAG_RESOLUTION_MS = 20;

/** Thrown when the intake is past a bound; answered 503 with Retry-After (docs/protocol.md §6.3). */
export class OverloadedError extends AppError {
  override readonly retryAfterSec = RETRY_AFTER_SEC;

  constructor(reason: string) {
    super(ErrorCode.UNAVAILABLE, `Gateway overloaded (${reason}); retry later`);
  }
}

/**
 * Admission control of the backend intake: emits in progress (a batch item counts one) and the
 * median event-loop delay of the last window. A refused request is answered at once and emits nothing;
 * an admitted one always runs to the end, so nothing accepted is dropped. Costs two integer
 * updates per request; the delay is read from a histogram Node keeps anyway.
 */
@Injectable()
export class IntakeLimiter implements OnModuleDestroy {
  private inFlight = 0;
  private lagMs = 0;
  private readonly histogram?: IntervalHistogram;
  private readonly timer?: NodeJS.Timeout;
  private readonly rejections: Counter<'reason'>;

  constructor(
    private readonly config: AppConfig,
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
    if (config.intake.maxEventLoopDelayMs > 0) {
      const histogram = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
      histogram.enable();
      this.histogram = histogram;
      // The median, not the maximum: one long pause (start-up, a full GC) is not overload, a
      // loop that is late on every tick is.
      this.timer = setInterval(() => {
        // Samples are whole timer intervals: the delay is what exceeds the resolution.
        this.lagMs = Math.max(0, histogram.percentile(50) / 1e6 - LAG_RESOLUTION_MS);
        histogram.reset();
      }, LAG_WINDOW_MS);
      this.timer.unref();
    }
  }

  /**
   * Admits `count` emits or throws OverloadedError. A batch larger than the cap is admitted when
   * nothing else is in progress, so no batch the API accepts can wait forever.
   */
  acquire(count: number): void {
    const { maxInFlight, maxEventLoopDelayMs } = this.config.intake;
    if (this.inFlight > 0 && this.inFlight + count > maxInFlight) return this.refuse('in_flight');
    if (maxEventLoopDelayMs > 0 && this.lagMs > maxEventLoopDelayMs) return this.refuse('event_loop_delay');
    this.inFlight += count;
  }

  release(count: number): void {
    this.inFlight -= count;
  }

  private refuse(reason: 'in_flight' | 'event_loop_delay'): never {
    this.rejections.inc({ reason });
    throw new OverloadedError(reason === 'in_flight' ? 'too many emits in progress' : 'event loop delayed');
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.histogram?.disable();
  }
}
