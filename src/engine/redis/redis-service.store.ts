import { Injectable } from '@nestjs/common';
import { type RegisterOutcome, type ServiceStatus, ServiceStore, type StoredService } from '../service.store.js';
import { RedisConnections } from './redis-connections.js';

/** One hash `{prefix}:services` of name → JSON; register and status changes are Lua. */
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

  async setStatus(name: string, status: ServiceStatus): Promise<StoredService | undefined> {
    const raw = (await this.redis.script('gwServiceSetStatus')(this.key, name, status)) as string | null;
    return raw ? (JSON.parse(raw) as StoredService) : undefined;
  }

  async remove(name: string): Promise<boolean> {
    return (await this.redis.command.hdel(this.key, name)) === 1;
  }
}
