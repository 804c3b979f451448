import { Global, Module } from '@nestjs/common';
import { MessagingModule } from '../messaging/messaging.module.js';
import { PresenceModule } from '../presence/presence.module.js';
import { SessionModule } from '../session/session.module.js';
import { InternalSocketRef } from './internal-socket.ref.js';
import { InternalGateway } from './internal.gateway.js';
import { ServiceAttempts } from './service-attempts.js';
import { ServiceHandshake } from './service-handshake.js';
import { ServiceRegistry } from './service-registry.service.js';
import { ServiceSessions } from './service-sessions.js';

@Global()
@Module({
  imports: [SessionModule, MessagingModule, PresenceModule],
  providers: [InternalGateway, ServiceAttempts, ServiceHandshake, ServiceRegistry, ServiceSessions, InternalSocketRef],
  exports: [ServiceRegistry, InternalSocketRef],
})
export class InternalGatewayModule {}
