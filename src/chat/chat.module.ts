import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { PresenceModule } from '../presence/presence.module.js';
import { ChatMessageService } from './chat-message.service.js';
import { ChatGateway } from './chat.gateway.js';
import { ChatService } from './chat.service.js';
import { InboundStream } from './inbound-stream.js';
import { TypingTracker } from './typing-tracker.js';

@Module({
  imports: [DeliveryModule, PresenceModule],
  providers: [ChatService, ChatMessageService, ChatGateway, InboundStream, TypingTracker],
  exports: [ChatService],
})
export class ChatModule {}
