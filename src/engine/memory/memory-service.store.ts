import { Injectable } from '@nestjs/common';
import { type RegisterOutcome, type ServiceStatus, ServiceStore, type StoredService, serviceKey } from '../service.store.js';

const expired = (s: StoredService, now: number) => s.status === 'pending' && s.expiresAt !== undefined && s.expiresAt <= now;

@Injectable()
export class MemoryServiceStore extends ServiceStore {
  private readonly services = new Map<string, StoredService>();

  async register(service: StoredService, maxRegistered: number, now: number): Promise<RegisterOutcome> {
    this.purge(now);
    const key = serviceKey(service.name);
    if (this.services.has(key)) return 'exists';
    if (this.services.size >= maxRegistered) return 'limit';
    this.services.set(key, { ...service });
    return 'registered';
  }

  async get(name: string, now: number): Promise<StoredService | undefined> {
    this.purge(now);
    const s = this.services.get(serviceKey(name));
    return s && { ...s };
  }

  async list(now: number): Promise<StoredService[]> {
    this.purge(now);
    return [...this.services.values()].map((s) => ({ ...s }));
  }

  async setStatus(name: string, status: ServiceStatus, now: number): Promise<StoredService | undefined> {
    this.purge(now);
    const s = this.services.get(serviceKey(name));
    if (!s) return undefined;
    s.status = status;
    if (status !== 'pending') delete s.expiresAt;
    return { ...s };
  }

  async remove(name: string): Promise<boolean> {
    return this.services.delete(serviceKey(name));
  }

  private purge(now: number): void {
    for (const [key, s] of this.services) if (expired(s, now)) this.services.delete(key);
  }
}
