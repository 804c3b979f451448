import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { type PresenceRules, type PresenceState, type PresenceStatus, PresenceStore } from '../presence.store.js';

interface Entry {
  state: PresenceState;
  until: number;
}

/** How often expired entries are dropped, and at most how many per round (a bounded pause). */
const SWEEP_EVERY_MS = 1000;
const SWEEP_MAX = 10_000;

/**
 * Single-process PresenceStore. Entries are kept in the order of their latest change (re-inserted
 * on each), so the expired ones are always at the front: dropped there a few at each change and
 * in bounded rounds every second, never by walking all users.
 */
@Injectable()
export class MemoryPresenceStore extends PresenceStore implements OnModuleDestroy {
  private readonly users = new Map<string, Entry>();
  private readonly sweeper = setInterval(() => this.evict(Date.now(), SWEEP_MAX), SWEEP_EVERY_MS);

  constructor() {
    super();
    this.sweeper.unref();
  }

  async get(userIds: string[], now: number): Promise<Map<string, PresenceState>> {
    const out = new Map<string, PresenceState>();
    for (const u of userIds) {
      const e = this.users.get(u);
      if (e && e.until > now) out.set(u, { ...e.state });
    }
    return out;
  }

  async setStatus(userId: string, status: PresenceStatus, customStatus: string | null, rules: PresenceRules): Promise<void> {
    this.change(userId, { status, customStatus }, rules);
  }

  async setLastSeen(userId: string, lastSeen: string, rules: PresenceRules): Promise<void> {
    this.change(userId, { lastSeen }, rules);
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  private change(userId: string, fields: PresenceState, { now, ttlMs }: PresenceRules): void {
    this.evict(now, 4);
    const e = this.users.get(userId);
    const state = e && e.until > now ? { ...e.state, ...fields } : fields;
    this.users.delete(userId);
    this.users.set(userId, { state, until: now + ttlMs });
  }

  /** Drops up to `max` expired entries from the front (the oldest changes). */
  private evict(now: number, max: number): void {
    for (let i = 0; i < max; i++) {
      const first = this.users.entries().next();
      if (first.done || first.value[1].until > now) return;
      this.users.delete(first.value[0]);
    }
  }
}
