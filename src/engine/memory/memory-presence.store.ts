import { Injectable } from '@nestjs/common';
import { type PresenceState, type PresenceStatus, PresenceStore } from '../presence.store.js';

@Injectable()
export class MemoryPresenceStore extends PresenceStore {
  private readonly users = new Map<string, PresenceState>();

  async get(userIds: string[]): Promise<Map<string, PresenceState>> {
    return new Map(userIds.filter((u) => this.users.has(u)).map((u) => [u, { ...this.users.get(u) }]));
  }

  async setStatus(userId: string, status: PresenceStatus, customStatus: string | null): Promise<void> {
    this.users.set(userId, { ...this.users.get(userId), status, customStatus });
  }

  async setLastSeen(userId: string, lastSeen: string): Promise<void> {
    this.users.set(userId, { ...this.users.get(userId), lastSeen });
  }
}
