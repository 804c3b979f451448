import type { ErrorBody, ErrorCode as WireErrorCode } from '@realtime-gateway/client/events';

/**
 * Stable error codes of docs/protocol.md §2 and §6; clients branch on these strings. The set is
 * the client package's wire type: `satisfies` fails to compile on a code missing here or added
 * here only.
 */
export const ErrorCode = {
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  RATE_LIMITED: 'RATE_LIMITED',
  USER_OFFLINE: 'USER_OFFLINE',
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
  AUTH_REQUIRED: 'AUTH_REQUIRED',
  AUTH_INVALID: 'AUTH_INVALID',
  AUTH_EXPIRED: 'AUTH_EXPIRED',
  SESSION_REVOKED: 'SESSION_REVOKED',
  UNAUTHORIZED: 'UNAUTHORIZED',
  EVENT_NOT_ALLOWED: 'EVENT_NOT_ALLOWED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  TOO_MANY_SOCKETS: 'TOO_MANY_SOCKETS',
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
} as const satisfies { [C in WireErrorCode]: C };
export type ErrorCode = WireErrorCode;

export type { ErrorBody };

const DEFAULT_MESSAGES: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'Payload failed validation',
  FORBIDDEN: 'Not allowed',
  NOT_FOUND: 'Not found',
  RATE_LIMITED: 'Too many requests',
  USER_OFFLINE: 'User is offline',
  UNAVAILABLE: 'Service temporarily unavailable',
  INTERNAL: 'Internal error',
  AUTH_REQUIRED: 'Authentication required',
  AUTH_INVALID: 'Invalid token',
  AUTH_EXPIRED: 'Token expired',
  SESSION_REVOKED: 'Session revoked',
  UNAUTHORIZED: 'Unauthorized',
  EVENT_NOT_ALLOWED: 'Event not allowed',
  PAYLOAD_TOO_LARGE: 'Payload too large',
  TOO_MANY_SOCKETS: 'Too many sockets for this user',
  IDEMPOTENCY_KEY_REUSED: 'Idempotency key already used with another body',
};

const HTTP_STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  RATE_LIMITED: 429,
  USER_OFFLINE: 409,
  UNAVAILABLE: 503,
  INTERNAL: 500,
  AUTH_REQUIRED: 401,
  AUTH_INVALID: 401,
  AUTH_EXPIRED: 401,
  SESSION_REVOKED: 401,
  UNAUTHORIZED: 401,
  EVENT_NOT_ALLOWED: 403,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_SOCKETS: 429,
  IDEMPOTENCY_KEY_REUSED: 409,
};

/** An expected failure carried as a value: every transport maps it the same way. */
export class AppError extends Error {
  /** Seconds a client should wait before retrying (sent as Retry-After over HTTP). */
  readonly retryAfterSec?: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: unknown,
  ) {
    super(message ?? DEFAULT_MESSAGES[code]);
    this.name = 'AppError';
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && value in DEFAULT_MESSAGES;
}
