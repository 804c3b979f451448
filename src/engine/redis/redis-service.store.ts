import { Injectable } from '@nestjs/common';
import { type RegisterOutcome, type ServiceStatus, ServiceStore, type StoredService } from '../service.store.js';
import { RedisConnections } from './redis-connections.js';

const SET_STATUS_ATTEMPTS = 10;

/** One hash `{prefix}:services` of name → JSON; register and status changes are atomic Lua. */
@Injectable()
export class RedisServiceStore extends ServiceStore {
  constructor(private readonly redis: RedisConnections) {
    super();
  }

  private get key(): string {
    return this.redis.keys.services;
  }

  async register(service: StoredService, maxRegistered: number): Promise<RegisterOutcome> {
    return (await this.redis.script('gwServiceRegister')(this.key, service.name, JSON.stringify(service), maxRegistered)) as RegisterOutcome;
  }

  async get(name: string): Promise<StoredService | undefined> {
    const raw = await this.redis.command.hget(this.key, name);
    return raw ? (JSON.parse(raw) as StoredService) : undefined;
  }

  async list(): Promise<StoredService[]> {
    const all = await this.redis.command.hvals(this.key);
    return all.map((raw) => JSON.parse(raw) as StoredService);
  }

  /** Read, edit in JS, compare-and-set in Lua; a concurrent change to the same service retries. */
  async setStatus(name: string, status: ServiceStatus): Promise<StoredService | undefined> {
    for (let attempt = 0; attempt < SET_STATUS_ATTEMPTS; attempt++) {
      const raw = await this.redis.command.hget(this.key, name);
      if (!raw) return undefined;
      const updated: StoredService = { ...(JSON.parse(raw) as StoredService), status };
      const outcome = Number(await this.redis.script('gwServiceSetStatus')(this.key, name, raw, JSON.stringify(updated)));
      if (outcome === 1) return updated;
      if (outcome === 0) return undefined;
    }
    throw new Error(`Service "${name}" kept changing during setStatus`);
  }

  async remove(name: string): Promise<boolean> {
    return (await this.redis.command.hdel(this.key, name)) === 1;
  }
}
