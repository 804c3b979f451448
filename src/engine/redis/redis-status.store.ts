import { Injectable } from '@nestjs/common';
import { type ServiceStatusEntry, StatusStore } from '../status.store.js';
import { RedisConnections } from './redis-connections.js';

/** One hash `{prefix}:status` of service → last report. */
@Injectable()
export class RedisStatusStore extends StatusStore {
  constructor(private readonly redis: RedisConnections) {
    super();
  }

  async set(service: string, entry: ServiceStatusEntry): Promise<void> {
    await this.redis.command.hset(this.redis.keys.status, service, JSON.stringify(entry));
  }

  async snapshot(): Promise<Record<string, ServiceStatusEntry>> {
    const all = await this.redis.command.hgetall(this.redis.keys.status);
    return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, JSON.parse(v) as ServiceStatusEntry]));
  }
}
