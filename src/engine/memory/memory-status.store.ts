import { Injectable } from '@nestjs/common';
import { type ServiceStatusEntry, StatusStore } from '../status.store.js';

@Injectable()
export class MemoryStatusStore extends StatusStore {
  private readonly services = new Map<string, ServiceStatusEntry>();

  async set(service: string, entry: ServiceStatusEntry): Promise<void> {
    this.services.set(service, { ...entry });
  }

  async snapshot(): Promise<Record<string, ServiceStatusEntry>> {
    return Object.fromEntries([...this.services].map(([k, v]) => [k, { ...v }]));
  }
}
