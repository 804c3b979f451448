import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { ConnectionStore } from '../engine/connection.store.js';
import { EngineHealth } from '../engine/engine-health.js';
import { SocketServerRef } from '../socket/socket-server.ref.js';
import { PresenceService } from './presence.service.js';

/**
 * Keeps this node marked alive and sweeps nodes that stopped beating: within
 * PRESENCE_NODE_TTL_MS a crashed node's sockets stop counting, and users it held with no other
 * socket go offline (with `presence:update`).
 */
@Injectable()
export class NodeHeartbeat implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(NodeHeartbeat.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly connections: ConnectionStore,
    private readonly presence: PresenceService,
    private readonly sockets: SocketServerRef,
    private readonly engine: EngineHealth,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // After a reconnect Redis may have come back empty (no persistence): put this node's live
    // sockets back so its users count as online again.
    this.engine.onReconnect(() => void this.resync());
    await this.beat();
    const every = Math.max(250, Math.floor(this.config.presenceNodeTtlMs / 3));
    this.timer = setInterval(() => void this.beat().then(() => this.sweep()), every);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweepOne(this.config.nodeId);
  }

  private async beat(): Promise<void> {
    try {
      await this.connections.heartbeat(this.config.nodeId, Date.now(), this.config.presenceNodeTtlMs);
    } catch (err) {
      this.logger.warn({ reason: (err as Error).message }, 'Node heartbeat failed');
    }
  }

  /** Re-registers every socket of this node in the store; idempotent. */
  async resync(): Promise<number> {
    if (!this.sockets.ready) return 0;
    await this.beat();
    let count = 0;
    for (const socket of this.sockets.io.sockets.sockets.values()) {
      if (!socket.connected || !socket.data.userId) continue;
      try {
        await this.connections.add(socket.data.userId, socket.id, this.config.nodeId);
        count += 1;
      } catch (err) {
        this.logger.warn({ reason: (err as Error).message }, 'Could not re-register a socket');
        break;
      }
    }
    if (count > 0) this.logger.log({ sockets: count }, 'Re-registered live sockets after the store came back');
    return count;
  }

  private async sweep(): Promise<void> {
    try {
      const dead = await this.connections.deadNodes(Date.now());
      for (const node of dead) if (node !== this.config.nodeId) await this.sweepOne(node);
    } catch (err) {
      this.logger.warn({ reason: (err as Error).message }, 'Dead node sweep failed');
    }
  }

  private async sweepOne(node: string): Promise<void> {
    try {
      const gone = await this.connections.sweepNode(node);
      if (node !== this.config.nodeId) this.logger.warn({ node, usersOffline: gone.length }, 'Swept a dead node');
      for (const userId of gone) await this.presence.wentOffline(userId);
    } catch (err) {
      this.logger.warn({ node, reason: (err as Error).message }, 'Node sweep failed');
    }
  }
}
