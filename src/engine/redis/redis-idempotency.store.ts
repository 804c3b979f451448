import { Injectable } from '@nestjs/common';
import { type IdempotencyClaim, IdempotencyStore } from '../idempotency.store.js';
import { RedisConnections } from './redis-connections.js';

/** A hash per key (the time its claim lapses, the result once stored); claim and complete are Lua. */
@Injectable()
export class RedisIdempotencyStore extends IdempotencyStore {
  constructor(private readonly redis: RedisConnections) {
    super();
  }

  async claim(key: string, ttlMs: number, now: number): Promise<IdempotencyClaim> {
    const [first, result] = (await this.redis.script('gwIdemClaim')(this.redis.keys.idempotency(key), ttlMs, now)) as [number, string?];
    if (first === 1) return { first: true };
    return result ? { first: false, result: JSON.parse(result) as unknown } : { first: false };
  }

  async complete(key: string, result: unknown, ttlMs: number, now: number): Promise<void> {
    await this.redis.script('gwIdemComplete')(this.redis.keys.idempotency(key), JSON.stringify(result ?? null), ttlMs, now);
  }

  async release(key: string): Promise<void> {
    await this.redis.command.del(this.redis.keys.idempotency(key));
  }
}
