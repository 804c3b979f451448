import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { NotificationGateway } from './notification.gateway.js';
import { NotificationService } from './notification.service.js';

@Module({
  imports: [DeliveryModule],
  providers: [NotificationService, NotificationGateway],
  exports: [NotificationService],
})
export class NotificationModule {}
