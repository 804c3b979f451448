import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { ConnectionStore } from '../engine/connection.store.js';
import { EngineHealth } from '../engine/engine-health.js';
import { NodeBus } from '../engine/node-bus.js';
import { SocketServerRef } from '../socket/socket-server.ref.js';
import { PresenceService } from './presence.service.js';

/** A node beats at most this often, whatever PRESENCE_NODE_TTL_MS is. */
const MAX_BEAT_INTERVAL_MS = 1000;

/**
 * Keeps this node marked alive and sweeps nodes that are gone: within PRESENCE_NODE_TTL_MS a
 * crashed node's sockets stop counting, and users it held with no other socket go offline (with
 * `presence:update`). A node whose connection to the engine is gone (a crash closes it at once)
 * and that has stopped beating is swept within a couple of beats, without waiting for the TTL:
 * from then on pushes to its users answer `failed` and its users show offline.
 */
@Injectable()
export class NodeHeartbeat implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(NodeHeartbeat.name);
  private timer?: NodeJS.Timeout;
  private beats = 0;
  private resyncs = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly connections: ConnectionStore,
    private readonly presence: PresenceService,
    private readonly sockets: SocketServerRef,
    private readonly engine: EngineHealth,
    private readonly bus: NodeBus,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // After a reconnect Redis may have come back empty (no persistence): put this node's live
    // sockets back so its users count as online again.
    this.engine.onReconnect(() => {
      this.resyncs++;
      this.resync()
        .catch((err: Error) => this.logger.warn({ reason: err.message }, 'Could not reconcile the registrations of this node'))
        .finally(() => this.resyncs--);
    });
    await this.beat();
    const every = Math.max(250, Math.min(MAX_BEAT_INTERVAL_MS, Math.floor(this.config.presenceNodeTtlMs / 3)));
    this.timer = setInterval(() => void this.beat().then(() => this.sweep()), every);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweepOne(this.config.nodeId);
  }

  private async beat(): Promise<void> {
    try {
      const { wasLive } = await this.connections.heartbeat(this.config.nodeId, Date.now(), this.config.presenceNodeTtlMs);
      // Listed as gone although it runs (swept during a stall, or Redis came back empty): its
      // sockets are registered again.
      if (!wasLive && this.beats++ > 0) await this.resync();
    } catch (err) {
      this.logger.warn({ reason: (err as Error).message }, 'Node heartbeat failed');
    }
  }

  /**
   * False while this node re-registers its sockets after the store came back: until then a push
   * to one of its users would find no route (readiness reports it).
   */
  get registered(): boolean {
    return this.resyncs === 0;
  }

  /**
   * Makes the store's registrations by this node match its live sockets (idempotent): what the
   * store lists for this node but is gone here (a leave whose removal failed while the store was
   * unreachable) is removed, and the user announced offline when it was their last socket; every
   * live socket is registered again (the store may have come back empty). Returns the live sockets.
   */
  async resync(): Promise<number> {
    if (!this.sockets.ready) return 0;
    const nodeId = this.config.nodeId;
    const local = this.sockets.io.sockets.sockets;
    let stale = 0;
    let count = 0;
    try {
      await this.connections.heartbeat(nodeId, Date.now(), this.config.presenceNodeTtlMs);
      for (const [userId, socketId] of await this.connections.registeredBy(nodeId)) {
        const socket = local.get(socketId);
        if (socket?.connected && socket.data.userId === userId) continue;
        await this.presence.disconnected(userId, socketId);
        stale += 1;
      }
      for (const socket of local.values()) {
        if (!socket.connected || !socket.data.userId) continue;
        await this.connections.add(socket.data.userId, socket.id, nodeId);
        count += 1;
      }
    } catch (err) {
      this.logger.warn({ reason: (err as Error).message }, 'Could not reconcile the registrations of this node');
    }
    if (count > 0 || stale > 0) this.logger.log({ sockets: count, stale }, 'Reconciled the live sockets of this node with the store');
    return count;
  }

  private async sweep(): Promise<void> {
    try {
      const now = Date.now();
      const live = (await this.connections.liveNodes(now)).filter((node) => node !== this.config.nodeId);
      const alive = await Promise.all(live.map((node) => this.bus.isAlive(node, now)));
      for (const [i, node] of live.entries()) if (!alive[i]) await this.connections.expire(node, now);
      const dead = await this.connections.deadNodes(now);
      for (const node of dead) if (node !== this.config.nodeId) await this.sweepOne(node);
    } catch (err) {
      this.logger.warn({ reason: (err as Error).message }, 'Dead node sweep failed');
    }
  }

  private async sweepOne(node: string): Promise<void> {
    try {
      // Their users stay recoverable for the window: the node's clients come back elsewhere.
      const gone = await this.connections.sweepNode(node, this.config.recoveryWindowMs);
      if (node !== this.config.nodeId) this.logger.warn({ node, usersOffline: gone.length }, 'Swept a dead node');
      for (const userId of gone) await this.presence.wentOffline(userId);
    } catch (err) {
      this.logger.warn({ node, reason: (err as Error).message }, 'Node sweep failed');
    }
  }
}
