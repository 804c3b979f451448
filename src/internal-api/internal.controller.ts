import { Body, Controller, Get, HttpCode, Post, Query, UseInterceptors } from '@nestjs/common';
import { type Ack, ok } from '../common/ack.js';
import { PresenceQueryService, type PresenceView } from '../presence/presence-query.service.js';
import { SessionService } from '../session/session.service.js';
import { ForceLogoutDto } from '../session/dto/force-logout.dto.js';
import { KickDto } from '../session/dto/kick.dto.js';
import { PresenceQueryDto } from './dto/presence-query.dto.js';
import { InternalAction, InternalRequestMetrics } from './internal-request-metrics.interceptor.js';

/** Internal HTTP API for backends (docs/protocol.md §6.1; the emit routes are Fastify routes in emit.routes.ts). Thin: validate, call the shared service, shape. */
@Controller('internal')
@UseInterceptors(InternalRequestMetrics)
export class InternalController {
  constructor(
    private readonly sessions: SessionService,
    private readonly presence: PresenceQueryService,
  ) {}

  @Post('force-logout')
  @InternalAction('force_logout')
  @HttpCode(200)
  async forceLogout(@Body() dto: ForceLogoutDto): Promise<Ack<{ revokedSessions: number }>> {
    return ok(await this.sessions.forceLogout(dto.userId, dto.sessionId));
  }

  @Post('kick')
  @InternalAction('kick')
  @HttpCode(200)
  async kick(@Body() dto: KickDto): Promise<Ack<{ revokedSessions: number }>> {
    return ok(await this.sessions.kick(dto.userId, dto.reason, dto.invalidateSession));
  }

  @Get('presence')
  @InternalAction('get_online_users')
  async presenceOf(@Query() query: PresenceQueryDto): Promise<Ack<{ users: PresenceView[] }>> {
    return ok(await this.presence.describe(query.userIds));
  }
}
