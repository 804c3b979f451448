import { Injectable } from '@nestjs/common';
import { type RegisterOutcome, type ServiceStatus, ServiceStore, type StoredService } from '../service.store.js';

@Injectable()
export class MemoryServiceStore extends ServiceStore {
  private readonly services = new Map<string, StoredService>();

  async register(service: StoredService, maxRegistered: number): Promise<RegisterOutcome> {
    if (this.services.has(service.name)) return 'exists';
    if (this.services.size >= maxRegistered) return 'limit';
    this.services.set(service.name, { ...service });
    return 'registered';
  }

  async get(name: string): Promise<StoredService | undefined> {
    const s = this.services.get(name);
    return s && { ...s };
  }

  async list(): Promise<StoredService[]> {
    return [...this.services.values()].map((s) => ({ ...s }));
  }

  async setStatus(name: string, status: ServiceStatus): Promise<StoredService | undefined> {
    const s = this.services.get(name);
    if (!s) return undefined;
    s.status = status;
    return { ...s };
  }

  async remove(name: string): Promise<boolean> {
    return this.services.delete(name);
  }
}
