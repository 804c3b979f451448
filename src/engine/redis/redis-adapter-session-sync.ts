import { Injectable } from '@nestjs/common';
import { AdapterSessionSync } from '../adapter-session-sync.js';
import { RedisConnections } from './redis-connections.js';

/**
 * The streams adapter reads a session back in a MULTI that auto-pipelining may send before its
 * write: a read of the same key on the same client is queued behind the write.
 */
@Injectable()
export class RedisAdapterSessionSync extends AdapterSessionSync {
  constructor(private readonly redis: RedisConnections) {
    super();
  }

  async written(pid: string): Promise<void> {
    await this.redis.adapter.exists(`${this.redis.keys.adapterSessionPrefix}${pid}`);
  }
}
