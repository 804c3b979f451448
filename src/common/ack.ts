import type { ErrorBody } from './error-codes.js';

/** The acknowledgement envelope of docs/protocol.md §2.3, also the HTTP success/error body. */
export type Ack<T = unknown> = { ok: true; data?: T } | { ok: false; error: ErrorBody };

export function ok<T>(data?: T): Ack<T> {
  return data === undefined ? { ok: true } : { ok: true, data };
}

export function fail(error: ErrorBody): Ack<never> {
  return { ok: false, error };
}
