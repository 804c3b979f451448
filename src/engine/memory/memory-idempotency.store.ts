import { Injectable } from '@nestjs/common';
import { type IdempotencyClaim, IdempotencyStore } from '../idempotency.store.js';

interface Entry {
  until: number;
  done: boolean;
  result?: unknown;
}

@Injectable()
export class MemoryIdempotencyStore extends IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  async claim(key: string, ttlMs: number, now: number): Promise<IdempotencyClaim> {
    const e = this.entries.get(key);
    if (e && e.until > now) return e.done ? { first: false, result: e.result } : { first: false };
    this.entries.set(key, { until: now + ttlMs, done: false });
    if (this.entries.size > 10000) for (const [k, v] of this.entries) if (v.until <= now) this.entries.delete(k);
    return { first: true };
  }

  async complete(key: string, result: unknown, ttlMs: number, now: number): Promise<void> {
    this.entries.set(key, { until: now + ttlMs, done: true, result });
  }

  async release(key: string): Promise<void> {
    this.entries.delete(key);
  }
}
