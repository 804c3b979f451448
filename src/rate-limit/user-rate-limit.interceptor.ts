import { type CallHandler, type ExecutionContext, Injectable, Logger, type NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { AppConfig } from '../config/app-config.js';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { RateLimitStore } from '../engine/rate-limit.store.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { UserSocket } from '../socket/events.js';
import { EventRateLimits } from './event-rate-limits.js';

/**
 * Per-user, per-event sliding-window limits (docs/protocol.md §4.9), one atomic store call per event, so
 * all sockets of a user on all nodes share the budget. Over the limit the event is dropped and
 * acks RATE_LIMITED with `retryAfterMs`. Bound on every gateway of `/`.
 */
@Injectable()
export class UserRateLimitInterceptor implements NestInterceptor {
  private readonly logger = new Logger(UserRateLimitInterceptor.name);
  private readonly limits: EventRateLimits;

  constructor(
    config: AppConfig,
    private readonly store: RateLimitStore,
    private readonly metrics: MetricsService,
  ) {
    this.limits = new EventRateLimits(config.rateLimit.overrides);
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const ws = context.switchToWs();
    const event = ws.getPattern();
    const userId = ws.getClient<UserSocket>().data.userId;
    const [limit, windowMs] = this.limits.ruleFor(event);
    let decision;
    try {
      decision = await this.store.hit(`ev:${userId}:${event}`, limit, windowMs, Date.now());
    } catch (err) {
      this.logger.warn({ reason: (err as Error).message }, 'Rate limit check failed on the engine store');
      throw new AppError(ErrorCode.UNAVAILABLE, 'Realtime store unavailable');
    }
    if (!decision.allowed) {
      this.metrics.rateLimited.inc({ scope: 'event' });
      throw new AppError(ErrorCode.RATE_LIMITED, `Too many "${event}" events`, { retryAfterMs: decision.retryAfterMs });
    }
    return next.handle();
  }
}
