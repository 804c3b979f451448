import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { type ClaimResult, SessionStore, type SessionRules } from '../session.store.js';

/** Shared by every entry with no live session; never written (markLive replaces it first). */
const NONE: string[] = [];

/**
 * One user's sessions. Live ones in two parallel arrays (most users have one session: a `Map`
 * would cost ~200 bytes more per connected user); revoked ones only once there are any.
 */
class UserSessions {
  ids: string[] = NONE;
  /** last connect time of `ids[i]` */
  seen: number[] = [];
  /** session id → time its revocation is forgotten */
  revoked?: Map<string, number>;
  /** The caller's clock at the latest change: everything in the entry lapses revokeTtlMs after it. */
  touched = 0;

  markLive(sessionId: string, now: number): void {
    const i = this.ids.indexOf(sessionId);
    if (i >= 0) {
      this.seen[i] = now;
    } else if (this.ids.length === 0) {
      // Literals hold exactly one element; a push onto an empty array reserves room for 17.
      this.ids = [sessionId];
      this.seen = [now];
    } else {
      this.ids.push(sessionId);
      this.seen.push(now);
    }
  }

  revoke(sessions: string[], until: number): void {
    for (const sid of sessions) {
      const i = this.ids.indexOf(sid);
      if (i >= 0) {
        this.ids.splice(i, 1);
        this.seen.splice(i, 1);
      }
      (this.revoked ??= new Map()).set(sid, until);
    }
  }

  /** Forgets lapsed revocations and sessions not seen for `revokeTtlMs`. */
  prune(rules: { revokeTtlMs: number; now: number }): void {
    if (this.revoked) {
      for (const [sid, until] of this.revoked) if (until <= rules.now) this.revoked.delete(sid);
      if (this.revoked.size === 0) this.revoked = undefined;
    }
    for (let i = this.ids.length - 1; i >= 0; i--) {
      if (this.seen[i] + rules.revokeTtlMs <= rules.now) {
        this.ids.splice(i, 1);
        this.seen.splice(i, 1);
      }
    }
  }

  get empty(): boolean {
    return this.ids.length === 0 && this.revoked === undefined;
  }
}

/** How often lapsed entries are dropped while nobody connects, and at most how many per round. */
const SWEEP_EVERY_MS = 1000;
const SWEEP_MAX = 10_000;

/**
 * Single-process SessionStore; same rules as the Redis Lua scripts. A user with nothing live or
 * revoked takes no memory. Entries are kept in the order of their latest change, so those of
 * users who never came back lapse at the front of the map: they are dropped there, a few at each
 * change and in bounded rounds every second (like Redis expiring the keys), never by a walk over
 * every user.
 */
@Injectable()
export class MemorySessionStore extends SessionStore implements OnModuleDestroy {
  private readonly users = new Map<string, UserSessions>();
  /** The revocation lifetime the callers use (SESSION_REVOKE_TTL), for the background rounds. */
  private ttlMs?: number;
  private readonly sweeper = setInterval(() => {
    if (this.ttlMs !== undefined) this.evict(Date.now(), this.ttlMs, SWEEP_MAX);
  }, SWEEP_EVERY_MS);

  constructor() {
    super();
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  /** Runs `step` on the user's pruned entry, then drops the entry if it holds nothing. */
  private update<T>(userId: string, rules: { revokeTtlMs: number; now: number }, step: (e: UserSessions) => T): T {
    this.ttlMs = rules.revokeTtlMs;
    this.evict(rules.now, rules.revokeTtlMs, 4);
    let e = this.users.get(userId);
    if (e) this.users.delete(userId);
    else e = new UserSessions();
    e.prune(rules);
    try {
      return step(e);
    } finally {
      e.touched = Math.max(e.touched, rules.now);
      // Re-inserted: the map stays ordered by latest change.
      if (!e.empty) this.users.set(userId, e);
    }
  }

  /** Drops up to `max` entries at the front whose every session and revocation has lapsed. */
  private evict(now: number, ttlMs: number, max: number): void {
    for (let i = 0; i < max; i++) {
      const first = this.users.entries().next();
      if (first.done || first.value[1].touched + ttlMs > now) return;
      this.users.delete(first.value[0]);
    }
  }

  async claim(userId: string, sessionId: string, rules: SessionRules): Promise<ClaimResult> {
    return this.update(userId, rules, (e): ClaimResult => {
      if (e.revoked?.has(sessionId)) return { accepted: false };
      e.markLive(sessionId, rules.now);
      let revoked: string[];
      if (rules.policy === 'single') {
        revoked = e.ids.filter((s) => s !== sessionId);
      } else {
        // Oldest first; equal times keep first-connected first (Array.prototype.sort is stable).
        const byAge = e.ids.map((s, i) => [s, e.seen[i]] as const).filter(([s]) => s !== sessionId).sort((a, b) => a[1] - b[1]);
        const excess = e.ids.length - rules.maxPerUser;
        revoked = excess > 0 ? byAge.slice(0, excess).map(([s]) => s) : [];
      }
      e.revoke(revoked, rules.now + rules.revokeTtlMs);
      return { accepted: true, revoked };
    });
  }

  async isRevoked(userId: string, sessionId: string, now: number): Promise<boolean> {
    const until = this.users.get(userId)?.revoked?.get(sessionId);
    return until !== undefined && until > now;
  }

  async forceActive(userId: string, sessionId: string, rules: SessionRules): Promise<string[]> {
    return this.update(userId, rules, (e) => {
      const others = e.ids.filter((s) => s !== sessionId);
      e.revoke(others, rules.now + rules.revokeTtlMs);
      e.revoked?.delete(sessionId);
      if (e.revoked?.size === 0) e.revoked = undefined;
      e.markLive(sessionId, rules.now);
      return others;
    });
  }

  async revokeLive(userId: string, rules: SessionRules): Promise<string[]> {
    return this.update(userId, rules, (e) => {
      const live = [...e.ids];
      e.revoke(live, rules.now + rules.revokeTtlMs);
      return live;
    });
  }

  async liveSessions(userId: string, rules: SessionRules): Promise<string[]> {
    return this.update(userId, rules, (e) => [...e.ids]);
  }
}
