/*
 * What both namespaces share (docs/protocol.md §2.3, §6): the error codes, the ack envelope, the
 * shapes several events carry, and the types that read an event map. Types only.
 */

/** The stable error codes clients branch on. The gateway's ErrorCode object lists exactly these. */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'USER_OFFLINE'
  | 'UNAVAILABLE'
  | 'INTERNAL'
  | 'AUTH_REQUIRED'
  | 'AUTH_INVALID'
  | 'AUTH_EXPIRED'
  | 'SESSION_REVOKED'
  | 'UNAUTHORIZED'
  | 'EVENT_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'TOO_MANY_SOCKETS'
  | 'IDEMPOTENCY_KEY_REUSED';

/** A refusal: an ack's `error`, the `error` event's payload, an HTTP error body. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** The acknowledgement envelope of docs/protocol.md §2.3, also the HTTP success/error body. */
export type Ack<T = unknown> = { ok: true; data?: T } | { ok: false; error: ErrorBody };

// ---------------------------------------------------------------------------------------------
// Shared shapes

/** A JSON object (not an array, not null). */
export type JsonObject = Record<string, unknown>;

export type PresenceStatus = 'online' | 'away' | 'busy' | 'offline';
export type MessageType = 'text' | 'image' | 'video' | 'audio' | 'file' | 'voice';
export type CallType = 'audio' | 'video';
export type LogoutReason = 'session_replaced' | 'session_limit' | 'force_logout' | (string & {});

/** Payload of an event whose name takes no fields; `{}` (docs/protocol.md §9: the payload may be left out). */
export type NoPayload = Record<string, never>;

/**
 * The payload of a backend-pushed event (POST /internal/emit, the control bus, `emit` on
 * `/internal`): whatever JSON value the backend sent, passed through untouched.
 */
export type BackendPayload = unknown;


// ---------------------------------------------------------------------------------------------
// Reading an event map

/* eslint-disable @typescript-eslint/no-explicit-any -- conditional types over the event maps' function signatures */

/** The payload type of an event-map entry `(payload: P, ack) => void`. */
export type PayloadOf<F> = F extends (payload: infer P, ...rest: any[]) => void ? P : undefined;

/** The ack `data` type of an entry `(payload, ack: (res: Ack<D>) => void) => void`. */
export type AckDataOf<F> = F extends (payload: any, ack: (res: infer R) => void) => void
  ? Extract<R, { ok: true }> extends { data?: infer D }
    ? D
    : undefined
  : undefined;
