import { Injectable } from '@nestjs/common';
import { INBOUND_MAX_LEN, InboundLog } from '../inbound-log.js';
import { RedisConnections } from './redis-connections.js';

@Injectable()
export class RedisInboundLog extends InboundLog {
  constructor(private readonly redis: RedisConnections) {
    super();
  }

  async append(event: string, userId: string, data: unknown): Promise<void> {
    await this.redis.command.xadd(this.redis.keys.inbound, 'MAXLEN', '~', INBOUND_MAX_LEN, '*', 'event', event, 'userId', userId, 'data', JSON.stringify(data));
  }
}
