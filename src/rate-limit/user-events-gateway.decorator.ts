import { applyDecorators, UseFilters, UseInterceptors } from '@nestjs/common';
import { WebSocketGateway } from '@nestjs/websockets';
import { WsAckExceptionFilter } from '../socket/ws-ack-exception.filter.js';
import { WsMetricsInterceptor } from '../socket/ws-metrics.interceptor.js';
import { UserRateLimitInterceptor } from './user-rate-limit.interceptor.js';

/**
 * A gateway of user events on `/`: the ack/`error` filter, latency metrics and the per-user rate
 * limit, bound on the class. One decorator so no `/` gateway can miss one of them. Validation is
 * the global AppValidationPipe (on Nest 12 global pipes reach gateways; binding it here too would
 * validate every payload twice).
 */
export function UserEventsGateway(): ClassDecorator {
  return applyDecorators(
    WebSocketGateway(),
    UseFilters(WsAckExceptionFilter),
    UseInterceptors(WsMetricsInterceptor, UserRateLimitInterceptor),
  );
}
