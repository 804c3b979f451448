import { Injectable } from '@nestjs/common';
import { ConnectionStore } from '../engine/connection.store.js';

export interface PresenceView {
  userId: string;
  status: 'online' | 'offline';
  customStatus: string | null;
  lastSeen: string | null;
  devices: number;
}

/**
 * Presence as seen by backends (GET /internal/presence, get_online_users): from the socket
 * registry, so a user counts as online while any socket of theirs sits on a live node.
 */
@Injectable()
export class PresenceQueryService {
  constructor(private readonly connections: ConnectionStore) {}

  async describe(userIds: string[]): Promise<{ users: PresenceView[] }> {
    const unique = [...new Set(userIds)];
    const counts = await this.connections.socketCounts(unique, Date.now());
    return {
      users: unique.map((userId) => {
        const devices = counts.get(userId) ?? 0;
        return { userId, status: devices > 0 ? 'online' : 'offline', customStatus: null, lastSeen: null, devices };
      }),
    };
  }
}
