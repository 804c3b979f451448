import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { type Observable, finalize } from 'rxjs';
import { MetricsService } from '../metrics/metrics.service.js';

/** Handler latency per event, bound on each gateway class. */
@Injectable()
export class WsMetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: MetricsService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const event = context.switchToWs().getPattern();
    const end = this.metrics.handlerLatency.startTimer({ event });
    return next.handle().pipe(finalize(() => end()));
  }
}
