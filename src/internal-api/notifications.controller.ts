import { Body, Controller, HttpCode, Post, UseInterceptors } from '@nestjs/common';
import { type Ack, ok } from '../common/ack.js';
import { PushNotificationDto } from '../notification/dto/notification.dto.js';
import { NotificationService, type PushResult } from '../notification/notification.service.js';
import { InternalAction, InternalRequestMetrics } from './internal-request-metrics.interceptor.js';

/** Backends push notifications to users (docs/protocol.md §6.1). */
@Controller('internal')
@UseInterceptors(InternalRequestMetrics)
export class NotificationsController {
  constructor(private readonly notifications: NotificationService) {}

  @Post('notifications')
  @InternalAction('notify')
  @HttpCode(200)
  async notify(@Body() dto: PushNotificationDto): Promise<Ack<PushResult>> {
    return ok(await this.notifications.push(dto, dto.notification));
  }
}
