import { AppError, ErrorCode } from './error-codes.js';

/** Seconds a caller should wait while the store reconnects (its retries are at most 2 s apart). */
export const STORE_RETRY_AFTER_SEC = 1;

/**
 * The engine's store (Redis) is unreachable: the request was not carried out and may be retried
 * as it is (docs/protocol.md §8). Answered 503 with Retry-After over HTTP, UNAVAILABLE in acks.
 */
export class StoreUnavailableError extends AppError {
  override readonly retryAfterSec = STORE_RETRY_AFTER_SEC;

  constructor() {
    super(ErrorCode.UNAVAILABLE, 'Realtime store unavailable; retry later');
  }
}
