import { Module } from '@nestjs/common';
import { ChatModule } from '../chat/chat.module.js';
import { PresenceModule } from '../presence/presence.module.js';
import { NotificationModule } from '../notification/notification.module.js';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { CallGateway } from './call.gateway.js';
import { CallService } from './call.service.js';

@Module({ imports: [DeliveryModule, NotificationModule, PresenceModule, ChatModule], providers: [CallService, CallGateway], exports: [CallService] })
export class CallModule {}
