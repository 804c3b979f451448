export type CallState = 'ringing' | 'active';

/** A call between two users; only plain fields (SDP and ICE are relayed, never stored). */
export interface CallRecord {
  callId: string;
  callerId: string;
  calleeId: string;
  callType: 'audio' | 'video';
  chatId?: string;
  state: CallState;
  /** The socket that initiated: it holds the caller's peer connection. */
  callerSocketId: string;
  /** The socket that answered: it holds the callee's peer connection. */
  answerSocketId?: string;
  createdAt: string;
  /** Ring deadline, ms since the epoch. */
  ringDeadline: number;
}

export type AnswerOutcome = { answered: CallRecord } | { answered: false; reason: 'not_found' | 'not_ringing' };

/**
 * Calls shared by all nodes; every transition is atomic so exactly one node performs it. Times
 * are the caller's `now` (ms since the epoch): a call created at `now` with `ttlMs` no longer
 * exists from `now + ttlMs` on.
 */
export abstract class CallStore {
  abstract create(call: CallRecord, ttlMs: number, now: number): Promise<void>;
  abstract get(callId: string, now: number): Promise<CallRecord | undefined>;
  /** ringing → active, once. */
  abstract answer(callId: string, socketId: string, now: number): Promise<AnswerOutcome>;
  /** Removes the call; the record when it existed (only one caller gets it). */
  abstract end(callId: string, now: number): Promise<CallRecord | undefined>;
  /** Claims and removes calls still ringing past their deadline (each returned to one caller only). */
  abstract expireDue(now: number): Promise<CallRecord[]>;
}
