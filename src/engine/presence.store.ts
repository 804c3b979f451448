export type PresenceStatus = 'online' | 'away' | 'busy' | 'offline';

/** What a user chose and when they were last seen; liveness comes from the ConnectionStore. */
export interface PresenceState {
  status?: PresenceStatus;
  customStatus?: string | null;
  lastSeen?: string;
}

/** A change at `now` keeps the user's whole entry for `ttlMs` more (PRESENCE_TTL). */
export interface PresenceRules {
  now: number;
  ttlMs: number;
}

/**
 * Each user's chosen status and last-seen time. An entry lives `ttlMs` after its latest change,
 * by the caller's clock: every user who ever connected would otherwise stay in the store forever.
 */
export abstract class PresenceStore {
  /** The entries of `userIds` still alive at `now`. */
  abstract get(userIds: string[], now: number): Promise<Map<string, PresenceState>>;
  abstract setStatus(userId: string, status: PresenceStatus, customStatus: string | null, rules: PresenceRules): Promise<void>;
  abstract setLastSeen(userId: string, lastSeen: string, rules: PresenceRules): Promise<void>;
}
