import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { ConnectionStore } from '../engine/connection.store.js';

/**
 * Keeps this node marked alive in the store; sockets of a node that stops beating stop
 * counting as online after PRESENCE_NODE_TTL_MS.
 */
@Injectable()
export class NodeHeartbeat implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(NodeHeartbeat.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly connections: ConnectionStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.beat();
    const every = Math.max(250, Math.floor(this.config.presenceNodeTtlMs / 3));
    this.timer = setInterval(() => void this.beat(), every);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.connections.removeNode(this.config.nodeId).catch(() => undefined);
  }

  private async beat(): Promise<void> {
    try {
      await this.connections.heartbeat(this.config.nodeId, Date.now(), this.config.presenceNodeTtlMs);
    } catch (err) {
      this.logger.warn({ reason: (err as Error).message }, 'Node heartbeat failed');
    }
  }
}
