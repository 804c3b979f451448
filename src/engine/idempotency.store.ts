export type IdempotencyClaim = { first: true } | { first: false; result?: unknown };

/** Remembers idempotency keys of internal calls so a retry emits nothing twice. */
export abstract class IdempotencyStore {
  /** Atomically claims `key`; a later claim sees the first call's stored result (once stored). */
  abstract claim(key: string, ttlMs: number): Promise<IdempotencyClaim>;
  abstract complete(key: string, result: unknown, ttlMs: number): Promise<void>;
  /** Frees a claim whose call failed, so a retry can run. */
  abstract release(key: string): Promise<void>;
}
