import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Observable } from 'rxjs';
import { type InternalActionName, MetricsService } from '../metrics/metrics.service.js';

/** The `action` label of a route in gateway_internal_requests_total (the /internal socket uses the same names). */
export const InternalAction = Reflector.createDecorator<InternalActionName>();

/**
 * Counts every call of an internal HTTP route that passed the secret guard, by its
 * `@InternalAction`; bound on each internal controller class.
 */
@Injectable()
export class InternalRequestMetrics implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly metrics: MetricsService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const action = this.reflector.get(InternalAction, context.getHandler());
    if (action !== undefined) this.metrics.internalRequest(action, 'http');
    return next.handle();
  }
}
