import { Injectable } from '@nestjs/common';
import { type ClaimResult, SessionStore, type SessionRules } from '../session.store.js';

interface UserSessions {
  /** session id → last connect time */
  live: Map<string, number>;
  /** session id → time its revocation is forgotten */
  revoked: Map<string, number>;
}

/** Single-process SessionStore; same rules as the Redis Lua scripts. */
@Injectable()
export class MemorySessionStore extends SessionStore {
  private readonly users = new Map<string, UserSessions>();

  private entry(userId: string, rules: { revokeTtlMs: number; now: number }): UserSessions {
    let e = this.users.get(userId);
    if (!e) {
      e = { live: new Map(), revoked: new Map() };
      this.users.set(userId, e);
    }
    for (const [sid, until] of e.revoked) if (until <= rules.now) e.revoked.delete(sid);
    for (const [sid, seen] of e.live) if (seen + rules.revokeTtlMs <= rules.now) e.live.delete(sid);
    return e;
  }

  private revoke(e: UserSessions, sessions: string[], rules: SessionRules): void {
    for (const sid of sessions) {
      e.live.delete(sid);
      e.revoked.set(sid, rules.now + rules.revokeTtlMs);
    }
  }

  async claim(userId: string, sessionId: string, rules: SessionRules): Promise<ClaimResult> {
    const e = this.entry(userId, rules);
    if (e.revoked.has(sessionId)) return { accepted: false };
    e.live.set(sessionId, rules.now);
    let revoked: string[];
    if (rules.policy === 'single') {
      revoked = [...e.live.keys()].filter((s) => s !== sessionId);
    } else {
      const byAge = [...e.live.entries()].filter(([s]) => s !== sessionId).sort((a, b) => a[1] - b[1]);
      const excess = e.live.size - rules.maxPerUser;
      revoked = excess > 0 ? byAge.slice(0, excess).map(([s]) => s) : [];
    }
    this.revoke(e, revoked, rules);
    return { accepted: true, revoked };
  }

  async isRevoked(userId: string, sessionId: string, now: number): Promise<boolean> {
    const until = this.users.get(userId)?.revoked.get(sessionId);
    return until !== undefined && until > now;
  }

  async forceActive(userId: string, sessionId: string, rules: SessionRules): Promise<string[]> {
    const e = this.entry(userId, rules);
    const others = [...e.live.keys()].filter((s) => s !== sessionId);
    this.revoke(e, others, rules);
    e.revoked.delete(sessionId);
    e.live.set(sessionId, rules.now);
    return others;
  }

  async revokeLive(userId: string, rules: SessionRules): Promise<string[]> {
    const e = this.entry(userId, rules);
    const live = [...e.live.keys()];
    this.revoke(e, live, rules);
    return live;
  }

  async liveSessions(userId: string, rules: SessionRules): Promise<string[]> {
    return [...this.entry(userId, rules).live.keys()];
  }
}
