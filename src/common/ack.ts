import type { Ack } from '@realtime-gateway/client/events';
import type { ErrorBody } from './error-codes.js';

/** The acknowledgement envelope of docs/protocol.md §2.3 (the client package's wire type), also the HTTP success/error body. */
export type { Ack };

export function ok<T>(data?: T): Ack<T> {
  return data === undefined ? { ok: true } : { ok: true, data };
}

export function fail(error: ErrorBody): Ack<never> {
  return { ok: false, error };
}
