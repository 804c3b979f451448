import { Injectable } from '@nestjs/common';
import { type IdempotencyClaim, IdempotencyStore } from '../idempotency.store.js';
import { RedisConnections } from './redis-connections.js';

const PENDING = '';

@Injectable()
export class RedisIdempotencyStore extends IdempotencyStore {
  constructor(private readonly redis: RedisConnections) {
    super();
  }

  async claim(key: string, ttlMs: number): Promise<IdempotencyClaim> {
    const k = this.redis.keys.idempotency(key);
    const set = await this.redis.command.set(k, PENDING, 'PX', ttlMs, 'NX');
    if (set === 'OK') return { first: true };
    const stored = await this.redis.command.get(k);
    return stored ? { first: false, result: JSON.parse(stored) as unknown } : { first: false };
  }

  async complete(key: string, result: unknown, ttlMs: number): Promise<void> {
    await this.redis.command.set(this.redis.keys.idempotency(key), JSON.stringify(result ?? null), 'PX', ttlMs);
  }

  async release(key: string): Promise<void> {
    await this.redis.command.del(this.redis.keys.idempotency(key));
  }
}
