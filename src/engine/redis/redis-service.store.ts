import { Injectable } from '@nestjs/common';
import { type RegisterOutcome, type ServiceStatus, ServiceStore, type StoredService, serviceKey } from '../service.store.js';
import { RedisConnections } from './redis-connections.js';

const SET_STATUS_ATTEMPTS = 10;

const live = (s: StoredService | undefined, now: number) =>
  s && !(s.status === 'pending' && s.expiresAt !== undefined && s.expiresAt <= now) ? s : undefined;

/**
 * One hash `{prefix}:services` of lower-cased name → JSON; register and status changes are
 * atomic Lua. Expired pending registrations are dropped by register and hidden from reads.
 */
@Injectable()
export class RedisServiceStore extends ServiceStore {
  constructor(private readonly redis: RedisConnections) {
    super();
  }

  private get key(): string {
    return this.redis.keys.services;
  }

  async register(service: StoredService, maxRegistered: number, now: number): Promise<RegisterOutcome> {
    return (await this.redis.script('gwServiceRegister')(this.key, serviceKey(service.name), JSON.stringify(service), maxRegistered, now)) as RegisterOutcome;
  }

  async get(name: string, now: number): Promise<StoredService | undefined> {
    const raw = await this.redis.command.hget(this.key, serviceKey(name));
    return raw ? live(JSON.parse(raw) as StoredService, now) : undefined;
  }

  async list(now: number): Promise<StoredService[]> {
    const all = await this.redis.command.hvals(this.key);
    return all.map((raw) => JSON.parse(raw) as StoredService).filter((s) => live(s, now));
  }

  /** Read, edit in JS, compare-and-set in Lua; a concurrent change to the same service retries. */
  async setStatus(name: string, status: ServiceStatus, now: number): Promise<StoredService | undefined> {
    for (let attempt = 0; attempt < SET_STATUS_ATTEMPTS; attempt++) {
      const raw = await this.redis.command.hget(this.key, serviceKey(name));
      if (!raw || !live(JSON.parse(raw) as StoredService, now)) return undefined;
      const updated: StoredService = { ...(JSON.parse(raw) as StoredService), status };
      if (status !== 'pending') delete updated.expiresAt;
      const outcome = Number(await this.redis.script('gwServiceSetStatus')(this.key, serviceKey(name), raw, JSON.stringify(updated)));
      if (outcome === 1) return updated;
      if (outcome === 0) return undefined;
    }
    throw new Error(`Service "${name}" kept changing during setStatus`);
  }

  async remove(name: string): Promise<boolean> {
    return (await this.redis.command.hdel(this.key, serviceKey(name))) === 1;
  }
}
