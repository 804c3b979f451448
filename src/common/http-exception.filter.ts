import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { fail } from './ack.js';
import { AppError, type ErrorBody, ErrorCode } from './error-codes.js';

/** Every HTTP error leaves as `{ ok: false, error: { code, message, details? } }`. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    // Terminus reports a failed readiness check as 503 with its own body; keep that body.
    if (exception instanceof HttpException && exception.getStatus() === 503) {
      res.status(503).json(exception.getResponse());
      return;
    }
    const [status, body] = this.map(exception);
    res.status(status).json(fail(body));
  }

  private map(exception: unknown): [number, ErrorBody] {
    if (exception instanceof AppError) return [exception.httpStatus, exception.toBody()];
    // body-parser errors (too large, bad JSON) arrive with a status and a type, not as HttpException
    const raw = exception as { status?: number; statusCode?: number; type?: string };
    const status = exception instanceof HttpException ? exception.getStatus() : (raw.status ?? raw.statusCode);
    if (status === 413 || raw.type === 'entity.too.large') {
      return [413, new AppError(ErrorCode.PAYLOAD_TOO_LARGE, 'Body exceeds 1 MiB').toBody()];
    }
    if (status === 404) return [404, new AppError(ErrorCode.NOT_FOUND, 'Route not found').toBody()];
    if (status === 400 || raw.type === 'entity.parse.failed') {
      return [400, new AppError(ErrorCode.VALIDATION_FAILED, 'Body is not valid JSON').toBody()];
    }
    if (status === 415) return [415, new AppError(ErrorCode.VALIDATION_FAILED, 'Body must be application/json').toBody()];
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return [status, new AppError(ErrorCode.VALIDATION_FAILED, 'Bad request').toBody()];
    }
    this.logger.error({ err: exception }, 'Unhandled error in HTTP handler');
    return [500, new AppError(ErrorCode.INTERNAL).toBody()];
  }
}
