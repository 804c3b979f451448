import { Module } from '@nestjs/common';
import { PresenceModule } from '../presence/presence.module.js';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { DirectMessageGateway } from './direct-message.gateway.js';
import { DirectMessageService } from './direct-message.service.js';

@Module({
  imports: [DeliveryModule, PresenceModule],
  providers: [DirectMessageService, DirectMessageGateway],
  exports: [DirectMessageService],
})
export class MessagingModule {}
