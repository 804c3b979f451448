import { Body, Controller, HttpCode, Post, Req, UseInterceptors } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ok } from '../common/ack.js';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { ReportStatusDto } from '../status/dto/status.dto.js';
import { StatusService } from '../status/status.service.js';
import { fromUptimeKuma, kumaMessageKind } from '../status/uptime-kuma.js';
import { InternalAction, InternalRequestMetrics } from './internal-request-metrics.interceptor.js';
import { readKumaWebhook } from './uptime-kuma-body.js';

/** Backends and Uptime Kuma feed the status page (docs/protocol.md §6.1). */
@Controller('internal')
@UseInterceptors(InternalRequestMetrics)
export class StatusController {
  constructor(private readonly status: StatusService) {}

  @Post('status')
  @InternalAction('report_status')
  @HttpCode(200)
  async report(@Body() dto: ReportStatusDto) {
    return ok(await this.status.report(dto));
  }

  /** Kuma's JSON or form-data body (read by readKumaWebhook, not by a DTO: the form field holds JSON). */
  @Post('webhooks/uptime-kuma')
  @InternalAction('uptime_kuma')
  @HttpCode(200)
  async uptimeKuma(@Req() req: FastifyRequest, @Body() raw: unknown) {
    const body = await readKumaWebhook(req, raw);
    const kind = kumaMessageKind(body);
    // The Test button and notices without a heartbeat or monitor: accepted, nothing to report.
    if (kind !== 'heartbeat') return ok({ ignored: kind });
    const report = fromUptimeKuma(body);
    if (!report) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, 'Not an Uptime Kuma heartbeat', [
        { field: 'heartbeat.status', errors: ['heartbeat.status must be 0, 1, 2 or 3 and monitor.name a non-empty string'] },
      ]);
    }
    return ok(await this.status.report(report));
  }
}
