export interface RateDecision {
  allowed: boolean;
  /** When refused: ms until the oldest hit in the window expires. */
  retryAfterMs: number;
}

/** Sliding-window counters shared by all nodes; each check is one atomic step. */
export abstract class RateLimitStore {
  abstract hit(key: string, limit: number, windowMs: number, now: number): Promise<RateDecision>;
  /** Whether one more hit would be allowed, recording nothing (to refuse before costly work). */
  abstract peek(key: string, limit: number, windowMs: number, now: number): Promise<RateDecision>;
}
