import { Injectable } from '@nestjs/common';
import { type ClaimResult, SessionStore, type SessionRules } from '../session.store.js';
import { RedisConnections } from './redis-connections.js';

/** SessionStore on Redis: each decision is one Lua script (see lua-scripts.ts). */
@Injectable()
export class RedisSessionStore extends SessionStore {
  constructor(private readonly redis: RedisConnections) {
    super();
  }

  private keys(userId: string): [string, string] {
    return [this.redis.keys.liveSessions(userId), this.redis.keys.revokedSessions(userId)];
  }

  async claim(userId: string, sessionId: string, rules: SessionRules): Promise<ClaimResult> {
    const res = (await this.redis.script('gwSessionClaim')(
      ...this.keys(userId),
      sessionId,
      rules.revokeTtlMs,
      rules.now,
      rules.policy,
      rules.maxPerUser,
    )) as Array<number | string>;
    if (res[0] !== 1) return { accepted: false };
    return { accepted: true, revoked: res.slice(1).map(String) };
  }

  async isRevoked(userId: string, sessionId: string, now: number): Promise<boolean> {
    const score = await this.redis.command.zscore(this.redis.keys.revokedSessions(userId), sessionId);
    return score !== null && Number(score) > now;
  }

  async forceActive(userId: string, sessionId: string, rules: SessionRules): Promise<string[]> {
    const res = await this.redis.script('gwSessionForce')(...this.keys(userId), sessionId, rules.revokeTtlMs, rules.now);
    return (res as string[]).map(String);
  }

  async revokeLive(userId: string, rules: SessionRules): Promise<string[]> {
    const res = await this.redis.script('gwSessionRevokeLive')(...this.keys(userId), '', rules.revokeTtlMs, rules.now);
    return (res as string[]).map(String);
  }

  async liveSessions(userId: string, rules: SessionRules): Promise<string[]> {
    // Exclusive: a session last seen exactly revokeTtlMs ago has lapsed (as the scripts prune it).
    return this.redis.command.zrangebyscore(this.redis.keys.liveSessions(userId), `(${rules.now - rules.revokeTtlMs}`, '+inf');
  }
}
