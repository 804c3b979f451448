import { Injectable, Logger, Optional } from '@nestjs/common';
import { RedisConnections } from '../engine/redis/redis-connections.js';

/** Entries kept in `{prefix}:inbound` (approximate trimming). */
export const INBOUND_MAX_LEN = 100_000;

/**
 * With the Redis engine, accepted chat events are appended to the capped stream
 * `{prefix}:inbound` (fields `event`, `userId`, `data` as JSON) for backends to persist with a
 * consumer group (SPEC §4.4). A failed append is logged, not fatal to the event.
 */
@Injectable()
export class InboundStream {
  private readonly logger = new Logger(InboundStream.name);

  constructor(@Optional() private readonly redis?: RedisConnections) {}

  append(event: string, userId: string, data: unknown): void {
    if (!this.redis) return;
    this.redis.command
      .xadd(this.redis.keys.inbound, 'MAXLEN', '~', INBOUND_MAX_LEN, '*', 'event', event, 'userId', userId, 'data', JSON.stringify(data))
      .catch((err: Error) => this.logger.warn({ event, reason: err.message }, 'Could not append to the inbound stream'));
  }
}
