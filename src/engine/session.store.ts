import type { SessionPolicy } from '../config/app-config.js';

export interface SessionRules {
  policy: SessionPolicy;
  maxPerUser: number;
  revokeTtlMs: number;
  now: number;
}

/** Outcome of one atomic connect decision (docs/protocol.md §3). */
export type ClaimResult = { accepted: true; revoked: string[] } | { accepted: false };

/**
 * Session bookkeeping per user: which sessions are live and which are revoked.
 * Every method is one atomic step in the store, so nodes racing end consistent.
 */
export abstract class SessionStore {
  /** Connect with `sessionId`: refused when revoked, else live; returns sessions it superseded. */
  abstract claim(userId: string, sessionId: string, rules: SessionRules): Promise<ClaimResult>;
  abstract isRevoked(userId: string, sessionId: string, now: number): Promise<boolean>;
  /** Makes `sessionId` the only live session (un-revoking it); returns the sessions revoked. */
  abstract forceActive(userId: string, sessionId: string, rules: SessionRules): Promise<string[]>;
  /** Revokes every live session of the user; returns them. */
  abstract revokeLive(userId: string, rules: SessionRules): Promise<string[]>;
  abstract liveSessions(userId: string, rules: SessionRules): Promise<string[]>;
}
