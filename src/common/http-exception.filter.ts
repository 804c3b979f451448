import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { fail } from './ack.js';
import { AppError, type ErrorBody, ErrorCode } from './error-codes.js';
import { StoreUnavailableError } from './store-unavailable.js';

export const JSON_TYPE = 'application/json; charset=utf-8';

export interface HttpErrorAnswer {
  status: number;
  body: unknown;
  retryAfterSec?: number;
}

/** Every HTTP error leaves as `{ ok: false, error: { code, message, details? } }`. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpErrorFilter.name);
  private storeDown: () => boolean = () => false;

  /**
   * An unexpected error while `check()` says the engine's store is unreachable is that outage
   * (a command failed or timed out mid-request): answered 503 + Retry-After, not 500 (docs/protocol.md §8).
   */
  treatFailuresAsOutageWhen(check: () => boolean): void {
    this.storeDown = check;
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    this.send(host.switchToHttp().getResponse<FastifyReply>(), exception);
  }

  /** Also Fastify's `frameworkErrors` handler: the router refuses a malformed URL before Nest sees it. */
  send(res: FastifyReply, exception: unknown): void {
    if (res.sent) return;
    const answer = this.answer(exception);
    if (answer.retryAfterSec !== undefined) void res.header('Retry-After', String(answer.retryAfterSec));
    // A handler may have set another type already (/metrics is text/plain).
    void res.code(answer.status).type(JSON_TYPE).send(answer.body);
  }

  /** The status, body and Retry-After seconds an error is answered with (the intake's raw path writes them itself). */
  answer(exception: unknown): HttpErrorAnswer {
    if (isUnexpected(exception) && this.storeDown()) exception = new StoreUnavailableError();
    // Terminus reports a failed readiness check as 503 with its own body; keep that body.
    if (exception instanceof HttpException && exception.getStatus() === 503) return { status: 503, body: exception.getResponse() };
    const [status, body] = this.map(exception);
    const retryAfterSec = exception instanceof AppError ? exception.retryAfterSec : undefined;
    return retryAfterSec === undefined ? { status, body: fail(body) } : { status, body: fail(body), retryAfterSec };
  }

  private map(exception: unknown): [number, ErrorBody] {
    if (exception instanceof AppError) return [exception.httpStatus, exception.toBody()];
    // Fastify's body errors (too large, bad JSON, unsupported type) arrive with a statusCode, not as HttpException
    const raw = exception as { status?: number; statusCode?: number; code?: string };
    const status = exception instanceof HttpException ? exception.getStatus() : (raw.status ?? raw.statusCode);
    if (status === 413) {
      return [413, new AppError(ErrorCode.PAYLOAD_TOO_LARGE, 'Body exceeds 1 MiB').toBody()];
    }
    if (status === 404) return [404, new AppError(ErrorCode.NOT_FOUND, 'Route not found').toBody()];
    if (raw.code === 'FST_ERR_BAD_URL') return [400, new AppError(ErrorCode.VALIDATION_FAILED, 'Malformed URL').toBody()];
    if (status === 400) {
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

/** Neither one of ours nor an HTTP error with a status (a framework or body error): a failure. */
function isUnexpected(exception: unknown): boolean {
  if (exception instanceof AppError || exception instanceof HttpException) return false;
  const raw = exception as { status?: unknown; statusCode?: unknown } | null;
  return typeof raw?.status !== 'number' && typeof raw?.statusCode !== 'number';
}
