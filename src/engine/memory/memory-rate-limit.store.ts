import { Injectable } from '@nestjs/common';
import { type RateDecision, RateLimitStore } from '../rate-limit.store.js';

@Injectable()
export class MemoryRateLimitStore extends RateLimitStore {
  private readonly windows = new Map<string, number[]>();

  async hit(key: string, limit: number, windowMs: number, now: number): Promise<RateDecision> {
    const hits = (this.windows.get(key) ?? []).filter((t) => t > now - windowMs);
    if (hits.length >= limit) {
      this.windows.set(key, hits);
      return { allowed: false, retryAfterMs: Math.max(1, hits[0] + windowMs - now) };
    }
    hits.push(now);
    this.windows.set(key, hits);
    this.evictIdle(now, windowMs);
    return { allowed: true, retryAfterMs: 0 };
  }

  async peek(key: string, limit: number, windowMs: number, now: number): Promise<RateDecision> {
    const hits = (this.windows.get(key) ?? []).filter((t) => t > now - windowMs);
    if (hits.length >= limit) return { allowed: false, retryAfterMs: Math.max(1, hits[0] + windowMs - now) };
    return { allowed: true, retryAfterMs: 0 };
  }

  /** Keeps memory bounded by dropping windows whose newest hit is old. */
  private evictIdle(now: number, windowMs: number): void {
    if (this.windows.size < 10000) return;
    for (const [k, hits] of this.windows) if (hits[hits.length - 1] <= now - windowMs) this.windows.delete(k);
  }
}
