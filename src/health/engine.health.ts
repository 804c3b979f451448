import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { EngineHealth } from '../engine/engine-health.js';
import { ShutdownState } from '../lifecycle/shutdown.state.js';
import { NodeHeartbeat } from '../presence/node-heartbeat.service.js';

export const PING_TIMEOUT_MS = 1000;

/**
 * Readiness: the engine's store answers a ping in time, this node's sockets are registered in it
 * (after the store came back, once re-registered), and we are not shutting down.
 */
@Injectable()
export class EngineHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly engine: EngineHealth,
    private readonly shutdown: ShutdownState,
    private readonly heartbeat: NodeHeartbeat,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const session = this.indicator.check(key);
    if (this.shutdown.shuttingDown) return session.down({ engine: this.engine.kind, reason: 'shutting down' });
    const up = await this.engine.ping(PING_TIMEOUT_MS);
    if (!up) return session.down({ engine: this.engine.kind, reason: 'store unreachable' });
    if (!this.heartbeat.registered) return session.down({ engine: this.engine.kind, reason: 're-registering sockets' });
    return session.up({ engine: this.engine.kind });
  }
}
