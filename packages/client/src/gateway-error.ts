import type { ErrorCode } from './events.js';

/**
 * Codes a request can fail with: the gateway's ack codes (docs/protocol.md §2.3, §6.2) plus the client's own
 * `TIMEOUT` (no ack within the timeout) and `DISCONNECTED` (the client was closed or ended).
 */
export type GatewayErrorCode = ErrorCode | 'TIMEOUT' | 'DISCONNECTED' | (string & {});

/** A refused request: `code` is the gateway's error code, `details` its details (field errors, retryAfterMs…). */
export class GatewayError extends Error {
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  /** From an ack's `error` object (or anything else a misbehaving server might send). */
  static fromBody(body: unknown): GatewayError {
    const b = (typeof body === 'object' && body !== null ? body : {}) as { code?: unknown; message?: unknown; details?: unknown };
    const code = typeof b.code === 'string' ? b.code : 'INTERNAL';
    const message = typeof b.message === 'string' ? b.message : code;
    return new GatewayError(code, message, b.details);
  }
}
