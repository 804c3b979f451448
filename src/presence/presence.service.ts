import { Injectable } from '@nestjs/common';
import { DeliveryService } from '../delivery/delivery.service.js';
import { ConnectionStore } from '../engine/connection.store.js';
import { type PresenceStatus, PresenceStore } from '../engine/presence.store.js';
import type { PresenceUpdate } from '../socket/events.js';
import { Rooms } from '../socket/rooms.js';
import { AppConfig } from '../config/app-config.js';
import { PresenceQueryService, type PresenceView } from './presence-query.service.js';
import { PresenceVisibility } from './presence-visibility.js';


/**
 * Presence of users (docs/protocol.md §4.2), per socket: a user is connected while any socket of theirs on
 * any live node is. Changes (first socket, last socket, status) go to those who see the user.
 */
@Injectable()
export class PresenceService {
  constructor(
    private readonly config: AppConfig,
    private readonly connections: ConnectionStore,
    private readonly store: PresenceStore,
    private readonly query: PresenceQueryService,
    private readonly visibility: PresenceVisibility,
    private readonly delivery: DeliveryService,
  ) {}

  async connected(userId: string, socketId: string): Promise<void> {
    const { first } = await this.connections.add(userId, socketId, this.config.nodeId);
    if (first) await this.announce(userId);
  }

  async disconnected(userId: string, socketId: string): Promise<void> {
    const { last } = await this.connections.remove(userId, socketId, this.config.nodeId);
    if (last) await this.wentOffline(userId);
  }

  /** The user's last socket is gone (disconnect, or swept with a dead node). */
  async wentOffline(userId: string): Promise<void> {
    const now = Date.now();
    await this.store.setLastSeen(userId, new Date(now).toISOString(), { now, ttlMs: this.config.presenceTtlMs });
    await this.announce(userId);
  }

  async setStatus(userId: string, status: PresenceStatus, customStatus: string | null): Promise<PresenceUpdate> {
    await this.store.setStatus(userId, status, customStatus, { now: Date.now(), ttlMs: this.config.presenceTtlMs });
    return this.broadcast(userId);
  }

  /** One page of the users online on any node; cursor '0' starts, and a returned '0' means the end. */
  onlinePage(cursor: string, limit: number): Promise<{ userIds: string[]; cursor: string }> {
    return this.connections.scanOnline(cursor, limit);
  }

  /** Current presence of those of `targets` the viewer may see (admins and backends: all). */
  async visible(viewerId: string, targets: string[], all = false): Promise<PresenceView[]> {
    const allowed = all ? new Set(targets) : await this.visibility.visibleTo(viewerId, targets);
    return (await this.query.describe([...allowed])).users;
  }

  /** The viewer's online friends (docs/protocol.md §4.2 get_online_users; appear-offline excluded). */
  async onlineFriends(viewerId: string): Promise<PresenceView[]> {
    const friends = await this.visibility.friendsOf(viewerId);
    return (await this.query.describe(friends)).users.filter((u) => u.status !== 'offline');
  }

  /**
   * A connect or a last disconnect. Nobody may see a user without friends or shared chats, and a
   * presence subscription holds only while its holder may see the user (§4.2), so then there is
   * no audience: skip the store reads and the broadcast (with Redis, a stream entry every node
   * reads), which is most handshakes of users who have neither.
   */
  private async announce(userId: string): Promise<void> {
    const watchers = await this.visibility.watchersOf(userId);
    if (watchers.size > 0) await this.broadcast(userId, watchers);
  }

  private async broadcast(userId: string, known?: Set<string>): Promise<PresenceUpdate> {
    const [[view], watchers] = await Promise.all([
      this.query.describe([userId]).then((d) => d.users),
      known ?? this.visibility.watchersOf(userId),
    ]);
    const update: PresenceUpdate = { userId, status: view.status, customStatus: view.customStatus, lastSeen: view.lastSeen };
    const rooms = [...[...watchers].map(Rooms.user), Rooms.presence(userId)];
    this.delivery.toRooms(rooms, [], 'presence:update', update);
    return update;
  }
}
