import { Module } from '@nestjs/common';
import { DirectMessageGateway } from './direct-message.gateway.js';
import { DirectMessageService } from './direct-message.service.js';

@Module({ providers: [DirectMessageService, DirectMessageGateway], exports: [DirectMessageService] })
export class MessagingModule {}
