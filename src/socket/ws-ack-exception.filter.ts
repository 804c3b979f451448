import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import type { ServerToClientEvents } from './events.js';
import { fail } from '../common/ack.js';
import { AppError, type ErrorBody, ErrorCode, isErrorCode } from '../common/error-codes.js';
import { MetricsService } from '../metrics/metrics.service.js';

/** Maps anything a gateway handler throws to an error body; unexpected errors become INTERNAL. */
export function toErrorBody(exception: unknown, logger: Logger): ErrorBody {
  if (exception instanceof AppError) return exception.toBody();
  if (exception instanceof WsException) {
    const err = exception.getError();
    if (typeof err === 'object' && err !== null && isErrorCode((err as { code?: unknown }).code)) return err as ErrorBody;
  }
  logger.error({ err: exception }, 'Unhandled error in event handler');
  return new AppError(ErrorCode.INTERNAL).toBody();
}

/**
 * docs/protocol.md §2.3: failures go to the ack callback when the client gave one, otherwise they are
 * emitted to that socket as `error`. Bound on each gateway class (global filters do not
 * reliably reach gateways).
 */
@Catch()
export class WsAckExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(WsAckExceptionFilter.name);

  constructor(private readonly metrics: MetricsService) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    // `error` is the same event in both namespaces' maps (ServerToClientEvents, InternalServerToClientEvents).
    const socket = host.switchToWs().getClient<Socket<Record<string, never>, Pick<ServerToClientEvents, 'error'>>>();
    const ack: unknown = host.getArgByIndex(2);
    const body = toErrorBody(exception, this.logger);
    this.metrics.ackErrors.inc({ code: body.code });
    if (typeof ack === 'function') (ack as (r: unknown) => void)(fail(body));
    else socket.emit('error', body);
  }
}
