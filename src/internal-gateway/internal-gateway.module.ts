import { Module } from '@nestjs/common';
import { LifecycleModule } from '../lifecycle/lifecycle.module.js';
import { SocketModule } from '../socket/socket.module.js';
import { StatusModule } from '../status/status.module.js';
import { NotificationModule } from '../notification/notification.module.js';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { MessagingModule } from '../messaging/messaging.module.js';
import { PresenceModule } from '../presence/presence.module.js';
import { ServiceRegistryModule } from '../service-registry/service-registry.module.js';
import { SessionModule } from '../session/session.module.js';
import { InternalGateway } from './internal.gateway.js';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { ServiceAttempts } from './service-attempts.js';
import { ServiceHandshake } from './service-handshake.js';
import { ServiceSessions } from './service-sessions.js';

@Module({
  imports: [SessionModule, MessagingModule, PresenceModule, ServiceRegistryModule, DeliveryModule, NotificationModule, StatusModule, SocketModule, LifecycleModule, RateLimitModule],
  providers: [InternalGateway, ServiceAttempts, ServiceHandshake, ServiceSessions],
})
export class InternalGatewayModule {}
