import { Module } from '@nestjs/common';
import { ChatModule } from '../chat/chat.module.js';
import { PresenceModule } from '../presence/presence.module.js';
import { SocketModule } from '../socket/socket.module.js';
import { NodeQuestions } from './node-questions.js';
import { RecoveryService } from './recovery.service.js';

@Module({
  imports: [SocketModule, ChatModule, PresenceModule],
  providers: [RecoveryService, NodeQuestions],
  exports: [RecoveryService],
})
export class RecoveryModule {}
