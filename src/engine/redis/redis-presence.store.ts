import { Injectable } from '@nestjs/common';
import { type PresenceState, type PresenceStatus, PresenceStore } from '../presence.store.js';
import { RedisConnections } from './redis-connections.js';

/** A hash per user: status, customStatus (empty = none), lastSeen. */
@Injectable()
export class RedisPresenceStore extends PresenceStore {
  constructor(private readonly redis: RedisConnections) {
    super();
  }

  async get(userIds: string[]): Promise<Map<string, PresenceState>> {
    const all = await Promise.all(userIds.map((u) => this.redis.command.hgetall(this.redis.keys.presence(u))));
    const out = new Map<string, PresenceState>();
    userIds.forEach((u, i) => {
      const h = all[i];
      if (Object.keys(h).length === 0) return;
      out.set(u, {
        ...(h.status ? { status: h.status as PresenceStatus } : {}),
        ...(h.customStatus !== undefined ? { customStatus: h.customStatus === '' ? null : h.customStatus } : {}),
        ...(h.lastSeen ? { lastSeen: h.lastSeen } : {}),
      });
    });
    return out;
  }

  async setStatus(userId: string, status: PresenceStatus, customStatus: string | null): Promise<void> {
    await this.redis.command.hset(this.redis.keys.presence(userId), 'status', status, 'customStatus', customStatus ?? '');
  }

  async setLastSeen(userId: string, lastSeen: string): Promise<void> {
    await this.redis.command.hset(this.redis.keys.presence(userId), 'lastSeen', lastSeen);
  }
}
