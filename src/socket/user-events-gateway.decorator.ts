import { applyDecorators, UseFilters, UseInterceptors, UsePipes } from '@nestjs/common';
import { WebSocketGateway } from '@nestjs/websockets';
import { AppValidationPipe } from '../common/validation.pipe.js';
import { WsAckExceptionFilter } from '../common/ws-ack-exception.filter.js';
import { WsMetricsInterceptor } from '../common/ws-metrics.interceptor.js';
import { UserRateLimitInterceptor } from '../rate-limit/user-rate-limit.interceptor.js';

/**
 * A gateway of user events on `/`: validation, the ack/`error` filter, latency metrics and the
 * per-user rate limit, bound on the class (global enhancers do not reliably reach gateways).
 * One decorator so no `/` gateway can miss one of them.
 */
export function UserEventsGateway(): ClassDecorator {
  return applyDecorators(
    WebSocketGateway(),
    UsePipes(AppValidationPipe),
    UseFilters(WsAckExceptionFilter),
    UseInterceptors(WsMetricsInterceptor, UserRateLimitInterceptor),
  );
}
