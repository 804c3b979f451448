import { Injectable } from '@nestjs/common';
import { type PresenceRules, type PresenceState, type PresenceStatus, PresenceStore } from '../presence.store.js';
import { RedisConnections } from './redis-connections.js';

/**
 * A hash per user: status, customStatus (empty = none), lastSeen, and `until` (the caller's clock
 * at which the entry lapses). Each change is one script (PRESENCE_SET): an entry that has lapsed
 * is replaced, not merged, and the key's expiry follows `until`.
 */
@Injectable()
export class RedisPresenceStore extends PresenceStore {
  constructor(private readonly redis: RedisConnections) {
    super();
  }

  async get(userIds: string[], now: number): Promise<Map<string, PresenceState>> {
    const all = await Promise.all(userIds.map((u) => this.redis.command.hgetall(this.redis.keys.presence(u))));
    const out = new Map<string, PresenceState>();
    userIds.forEach((u, i) => {
      const h = all[i];
      if (Object.keys(h).length === 0 || !(Number(h.until) > now)) return;
      out.set(u, {
        ...(h.status ? { status: h.status as PresenceStatus } : {}),
        ...(h.customStatus !== undefined ? { customStatus: h.customStatus === '' ? null : h.customStatus } : {}),
        ...(h.lastSeen ? { lastSeen: h.lastSeen } : {}),
      });
    });
    return out;
  }

  async setStatus(userId: string, status: PresenceStatus, customStatus: string | null, rules: PresenceRules): Promise<void> {
    await this.set(userId, rules, 'status', status, 'customStatus', customStatus ?? '');
  }

  async setLastSeen(userId: string, lastSeen: string, rules: PresenceRules): Promise<void> {
    await this.set(userId, rules, 'lastSeen', lastSeen);
  }

  private async set(userId: string, rules: PresenceRules, ...fields: string[]): Promise<void> {
    await this.redis.script('gwPresenceSet')(this.redis.keys.presence(userId), rules.now, rules.ttlMs, ...fields);
  }
}
