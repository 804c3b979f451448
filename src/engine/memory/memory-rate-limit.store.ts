import { Injectable } from '@nestjs/common';
import { type RateDecision, RateLimitStore } from '../rate-limit.store.js';

/** One key's hits in time order; `hits[head]` is the oldest still counted. */
interface Window {
  hits: number[];
  head: number;
  windowMs: number;
}

/**
 * Single-process sliding windows. A hit drops the expired front of its window and appends, so it
 * costs O(1) amortised whatever the limit (a handshake window of a busy address may hold
 * thousands of hits). Windows are kept in order of their last hit, so idle ones are dropped from
 * the front of the map a few at a time, never by walking all keys.
 */
@Injectable()
export class MemoryRateLimitStore extends RateLimitStore {
  private readonly windows = new Map<string, Window>();

  async hit(key: string, limit: number, windowMs: number, now: number): Promise<RateDecision> {
    this.evictIdle(now);
    const w = this.windows.get(key) ?? { hits: [], head: 0, windowMs };
    w.windowMs = windowMs;
    const count = this.expire(w, now);
    // Re-inserted: the map stays ordered by last hit.
    this.windows.delete(key);
    this.windows.set(key, w);
    if (count >= limit) return { allowed: false, retryAfterMs: Math.max(1, w.hits[w.head] + windowMs - now) };
    insertSorted(w.hits, w.head, now);
    return { allowed: true, retryAfterMs: 0 };
  }

  async peek(key: string, limit: number, windowMs: number, now: number): Promise<RateDecision> {
    const w = this.windows.get(key);
    if (!w) return { allowed: limit > 0, retryAfterMs: limit > 0 ? 0 : windowMs };
    w.windowMs = windowMs;
    const count = this.expire(w, now);
    if (count >= limit) return { allowed: false, retryAfterMs: Math.max(1, w.hits[w.head] + windowMs - now) };
    return { allowed: true, retryAfterMs: 0 };
  }

  /** Drops hits at or before `now - windowMs`; returns how many are left. */
  private expire(w: Window, now: number): number {
    const floor = now - w.windowMs;
    while (w.head < w.hits.length && w.hits[w.head] <= floor) w.head++;
    if (w.head > 32 && w.head * 2 > w.hits.length) {
      w.hits = w.hits.slice(w.head);
      w.head = 0;
    }
    return w.hits.length - w.head;
  }

  /** Windows whose last hit is older than their window count nothing: drop those at the front. */
  private evictIdle(now: number): void {
    for (let i = 0; i < 4; i++) {
      const first = this.windows.entries().next();
      if (first.done) return;
      const [key, w] = first.value;
      const last = w.hits[w.hits.length - 1];
      if (last !== undefined && last > now - w.windowMs) return;
      this.windows.delete(key);
    }
  }
}

/** Appends `t`, or inserts it in order when a caller's clock went backwards. */
function insertSorted(hits: number[], head: number, t: number): void {
  let i = hits.length;
  while (i > head && hits[i - 1] > t) i--;
  if (i === hits.length) hits.push(t);
  else hits.splice(i, 0, t);
}
