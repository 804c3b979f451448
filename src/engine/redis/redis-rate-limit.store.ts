import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { type RateDecision, RateLimitStore } from '../rate-limit.store.js';
import { RedisConnections } from './redis-connections.js';

/** Sliding-window log per key: one Lua call per check, shared by all nodes. */
@Injectable()
export class RedisRateLimitStore extends RateLimitStore {
  private readonly instance = randomBytes(4).toString('hex');
  private seq = 0;

  constructor(private readonly redis: RedisConnections) {
    super();
  }

  async hit(key: string, limit: number, windowMs: number, now: number): Promise<RateDecision> {
    const member = `${this.instance}:${++this.seq}`;
    const [allowed, retry] = (await this.redis.script('gwRateHit')(this.redis.keys.rate(key), limit, windowMs, member, now)) as [
      number,
      number,
    ];
    return { allowed: allowed === 1, retryAfterMs: Number(retry) };
  }

  async peek(key: string, limit: number, windowMs: number, now: number): Promise<RateDecision> {
    const [hits, retry] = (await this.redis.script('gwRatePeek')(this.redis.keys.rate(key), windowMs, now)) as [number, number];
    return Number(hits) >= limit ? { allowed: false, retryAfterMs: Number(retry) } : { allowed: true, retryAfterMs: 0 };
  }
}
