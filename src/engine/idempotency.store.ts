export type IdempotencyClaim = { first: true } | { first: false; result?: unknown };

/** Remembers idempotency keys of internal calls so a retry emits nothing twice. */
export abstract class IdempotencyStore {
  /**
   * Atomically claims `key` for `ttlMs` from `now`; a later claim before then sees the first call's
   * stored result (once stored). A claim past its time is forgotten: the next claim is first again.
   */
  abstract claim(key: string, ttlMs: number, now: number): Promise<IdempotencyClaim>;
  /** Stores the result of the claimed call, kept for `ttlMs` from `now`. */
  abstract complete(key: string, result: unknown, ttlMs: number, now: number): Promise<void>;
  /** Frees a claim whose call failed, so a retry can run. */
  abstract release(key: string): Promise<void>;
}
