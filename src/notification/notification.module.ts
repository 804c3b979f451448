import { Global, Module } from '@nestjs/common';
import { NotificationGateway } from './notification.gateway.js';
import { NotificationService } from './notification.service.js';

@Global()
@Module({ providers: [NotificationService, NotificationGateway], exports: [NotificationService] })
export class NotificationModule {}
