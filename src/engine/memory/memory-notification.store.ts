import { Injectable } from '@nestjs/common';
import { NotificationStore, type NotificationRules, type StoredNotification } from '../notification.store.js';

interface Entry {
  n: StoredNotification;
  at: number;
}

@Injectable()
export class MemoryNotificationStore extends NotificationStore {
  private readonly users = new Map<string, Entry[]>();

  private live(userId: string, rules: NotificationRules): Entry[] {
    const entries = (this.users.get(userId) ?? []).filter((e) => e.at + rules.ttlMs > rules.now);
    if (entries.length === 0) this.users.delete(userId);
    else this.users.set(userId, entries);
    return entries;
  }

  async add(userId: string, notification: StoredNotification, rules: NotificationRules): Promise<void> {
    const entries = this.live(userId, rules).filter((e) => e.n.id !== notification.id);
    entries.push({ n: { ...notification }, at: rules.now });
    entries.sort((a, b) => a.at - b.at);
    this.users.set(userId, entries.slice(-rules.maxPending));
  }

  async list(userId: string, rules: NotificationRules): Promise<StoredNotification[]> {
    return this.live(userId, rules)
      .slice()
      .reverse()
      .map((e) => ({ ...e.n }));
  }

  async remove(userId: string, id: string, rules: NotificationRules): Promise<boolean> {
    const entries = this.live(userId, rules);
    const kept = entries.filter((e) => e.n.id !== id);
    if (kept.length === entries.length) return false;
    if (kept.length === 0) this.users.delete(userId);
    else this.users.set(userId, kept);
    return true;
  }

  async clear(userId: string, rules: NotificationRules): Promise<number> {
    const n = this.live(userId, rules).length;
    this.users.delete(userId);
    return n;
  }
}
