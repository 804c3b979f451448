import { Injectable } from '@nestjs/common';
import { ConnectionStore } from '../engine/connection.store.js';
import { type PresenceStatus, PresenceStore } from '../engine/presence.store.js';

export interface PresenceView {
  userId: string;
  status: PresenceStatus;
  customStatus: string | null;
  lastSeen: string | null;
  devices: number;
}

/**
 * Presence as stored: a user with no socket on a live node is offline; one who chose "offline"
 * appears offline; otherwise their chosen status, `online` by default. No visibility rules here:
 * callers decide who may see what (backends see everything).
 */
@Injectable()
export class PresenceQueryService {
  constructor(
    private readonly connections: ConnectionStore,
    private readonly store: PresenceStore,
  ) {}

  /** The user's live sockets on every live node. */
  async socketCount(userId: string): Promise<number> {
    return (await this.connections.socketCounts([userId], Date.now())).get(userId) ?? 0;
  }

  async describe(userIds: string[]): Promise<{ users: PresenceView[] }> {
    const unique = [...new Set(userIds)];
    const [counts, states] = await Promise.all([this.connections.socketCounts(unique, Date.now()), this.store.get(unique, Date.now())]);
    return {
      users: unique.map((userId) => {
        const devices = counts.get(userId) ?? 0;
        const state = states.get(userId) ?? {};
        const status: PresenceStatus = devices === 0 ? 'offline' : (state.status ?? 'online');
        return { userId, status, customStatus: state.customStatus ?? null, lastSeen: state.lastSeen ?? null, devices };
      }),
    };
  }
}
