import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { ConnectionStore } from '../engine/connection.store.js';
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
  ) {}

  async onApplicationBootstrap(): Promise<void> {
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
