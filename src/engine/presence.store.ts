export type PresenceStatus = 'online' | 'away' | 'busy' | 'offline';

/** What a user chose and when they were last seen; liveness comes from the ConnectionStore. */
export interface PresenceState {
  status?: PresenceStatus;
  customStatus?: string | null;
  lastSeen?: string;
}

export abstract class PresenceStore {
  abstract get(userIds: string[]): Promise<Map<string, PresenceState>>;
  abstract setStatus(userId: string, status: PresenceStatus, customStatus: string | null): Promise<void>;
  abstract setLastSeen(userId: string, lastSeen: string): Promise<void>;
}
