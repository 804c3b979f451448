import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import { EngineHealth } from '../engine/engine-health.js';
import { ShutdownState } from '../lifecycle/shutdown.state.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { EngineHealthIndicator, PING_TIMEOUT_MS } from './engine.health.js';

type Status = 'healthy' | 'degraded' | 'unhealthy';

@Controller('health')
export class HealthController {
  private readonly startedAt = Date.now();

  constructor(
    private readonly health: HealthCheckService,
    private readonly engineIndicator: EngineHealthIndicator,
    private readonly engine: EngineHealth,
    private readonly shutdown: ShutdownState,
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  @Get('live')
  @HttpCode(200)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.engineIndicator.check('engine')]);
  }

  /** Summary for people and dashboards; 503 only while shutting down. */
  @Get()
  async summary(@Res({ passthrough: true }) res: FastifyReply) {
    const storeUp = !this.shutdown.shuttingDown && (await this.engine.ping(PING_TIMEOUT_MS));
    const status: Status = this.shutdown.shuttingDown ? 'unhealthy' : storeUp ? 'healthy' : 'degraded';
    if (status === 'unhealthy') res.status(503);
    return {
      status,
      connections: this.metrics.snapshot(),
      uptime: Math.round((Date.now() - this.startedAt) / 1000),
      timestamp: new Date().toISOString(),
      engine: this.engine.kind,
      node: this.config.nodeId,
    };
  }
}
