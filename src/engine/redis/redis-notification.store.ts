import { Injectable } from '@nestjs/common';
import { NotificationStore, type NotificationRules, type StoredNotification } from '../notification.store.js';
import { RedisConnections } from './redis-connections.js';

/** Per user: a hash id → JSON and a time index; add and remove are Lua, so both stay in step. */
@Injectable()
export class RedisNotificationStore extends NotificationStore {
  constructor(private readonly redis: RedisConnections) {
    super();
  }

  private keys(userId: string): [string, string] {
    return [this.redis.keys.notifications(userId), this.redis.keys.notificationIndex(userId)];
  }

  async add(userId: string, n: StoredNotification, rules: NotificationRules): Promise<void> {
    await this.redis.script('gwNotificationAdd')(...this.keys(userId), n.id, JSON.stringify(n), rules.maxPending, rules.ttlMs, rules.now);
  }

  async list(userId: string, rules: NotificationRules): Promise<StoredNotification[]> {
    const [hash, idx] = this.keys(userId);
    // Exclusive: one added exactly ttlMs ago has expired (as add, remove and clear count it).
    const ids = await this.redis.command.zrevrangebyscore(idx, '+inf', `(${rules.now - rules.ttlMs}`);
    if (ids.length === 0) return [];
    const raw = await this.redis.command.hmget(hash, ...ids);
    return raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as StoredNotification);
  }

  async remove(userId: string, id: string, rules: NotificationRules): Promise<boolean> {
    return (await this.redis.script('gwNotificationRemove')(...this.keys(userId), id, rules.ttlMs, rules.now)) === 1;
  }

  async clear(userId: string, rules: NotificationRules): Promise<number> {
    const [hash, idx] = this.keys(userId);
    const [, live] = await Promise.all([
      this.redis.command.zremrangebyscore(idx, '-inf', rules.now - rules.ttlMs),
      this.redis.command.zcard(idx),
    ]);
    await this.redis.command.del(hash, idx);
    return live;
  }
}
