import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { EngineHealth } from '../engine/engine-health.js';
import { ShutdownState } from '../lifecycle/shutdown.state.js';

export const PING_TIMEOUT_MS = 1000;

/** Readiness: the engine's store answers a ping in time, and we are not shutting down. */
@Injectable()
export class EngineHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly engine: EngineHealth,
    private readonly shutdown: ShutdownState,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const session = this.indicator.check(key);
    if (this.shutdown.shuttingDown) return session.down({ engine: this.engine.kind, reason: 'shutting down' });
    const up = await this.engine.ping(PING_TIMEOUT_MS);
    return up ? session.up({ engine: this.engine.kind }) : session.down({ engine: this.engine.kind, reason: 'store unreachable' });
  }
}
