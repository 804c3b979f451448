import { Module } from '@nestjs/common';
import { AdmissionModule } from '../admission/admission.module.js';
import { ChatModule } from '../chat/chat.module.js';
import { StatusModule } from '../status/status.module.js';
import { NotificationModule } from '../notification/notification.module.js';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { SocketModule } from '../socket/socket.module.js';
import { PresenceModule } from '../presence/presence.module.js';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { ServiceRegistryModule } from '../service-registry/service-registry.module.js';
import { SessionModule } from '../session/session.module.js';
import { ChatsController } from './chats.controller.js';
import { EmitRoutes } from './emit.routes.js';
import { InternalController } from './internal.controller.js';
import { IntakeFastPath } from './intake-fast-path.js';
import { IntakeLimiter } from './intake-limiter.js';
import { InternalPortServer } from './internal-port.server.js';
import { InternalSecretHook } from './internal-secret.hook.js';
import { NotificationsController } from './notifications.controller.js';
import { ServicesController } from './services.controller.js';
import { StatusController } from './status.controller.js';
import { StoreAvailableHook } from './store-available.hook.js';

@Module({
  imports: [AdmissionModule, SessionModule, PresenceModule, ServiceRegistryModule, SocketModule, DeliveryModule, NotificationModule, StatusModule, ChatModule, RateLimitModule],
  controllers: [InternalController, ServicesController, NotificationsController, StatusController, ChatsController],
  providers: [InternalSecretHook, StoreAvailableHook, InternalPortServer, IntakeLimiter, EmitRoutes, IntakeFastPath],
  exports: [InternalPortServer, EmitRoutes, IntakeFastPath, InternalSecretHook, StoreAvailableHook],
})
export class InternalApiModule {}
