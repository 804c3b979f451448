import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { type Ack, ok } from '../common/ack.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { PresenceQueryService, type PresenceView } from '../presence/presence-query.service.js';
import { SessionService } from '../session/session.service.js';
import { ForceLogoutDto } from './dto/force-logout.dto.js';
import { KickDto } from './dto/kick.dto.js';
import { PresenceQueryDto } from './dto/presence-query.dto.js';
import { InternalSecretGuard } from './internal-secret.guard.js';

/** Internal HTTP API for backends (SPEC §6.1; the emit routes are in EmitController). Thin: validate, call the shared service, shape. */
@Controller('internal')
@UseGuards(InternalSecretGuard)
export class InternalController {
  constructor(
    private readonly sessions: SessionService,
    private readonly metrics: MetricsService,
    private readonly presence: PresenceQueryService,
  ) {}

  @Post('force-logout')
  @HttpCode(200)
  async forceLogout(@Body() dto: ForceLogoutDto): Promise<Ack<{ revokedSessions: number }>> {
    this.metrics.internalRequests.inc({ action: 'force-logout', transport: 'http' });
    return ok(await this.sessions.forceLogout(dto.userId, dto.sessionId));
  }

  @Post('kick')
  @HttpCode(200)
  async kick(@Body() dto: KickDto): Promise<Ack<{ revokedSessions: number }>> {
    this.metrics.internalRequests.inc({ action: 'kick', transport: 'http' });
    return ok(await this.sessions.kick(dto.userId, dto.reason ?? 'kicked', dto.invalidateSession ?? false));
  }

  @Get('presence')
  async presenceOf(@Query() query: PresenceQueryDto): Promise<Ack<{ users: PresenceView[] }>> {
    this.metrics.internalRequests.inc({ action: 'presence', transport: 'http' });
    return ok(await this.presence.describe(query.userIds));
  }
}
