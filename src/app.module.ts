import { type DynamicModule, Module } from '@nestjs/common';
import { AdmissionModule } from './admission/admission.module.js';
import { AsyncApiModule } from './asyncapi/asyncapi.module.js';
import type { LoadedConfig } from './config/config.module.js';
import { CallModule } from './call/call.module.js';
import { ChatModule } from './chat/chat.module.js';
import { ControlBusModule } from './control-bus/control-bus.module.js';
import { DeliveryModule } from './delivery/delivery.module.js';
import { DemoModule } from './demo/demo.module.js';
import { EngineModule } from './engine/engine.module.js';
import { HealthModule } from './health/health.module.js';
import { InternalApiModule } from './internal-api/internal-api.module.js';
import { InternalGatewayModule } from './internal-gateway/internal-gateway.module.js';
import { LifecycleModule } from './lifecycle/lifecycle.module.js';
import { MessagingModule } from './messaging/messaging.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { NotificationModule } from './notification/notification.module.js';
import { StatusModule } from './status/status.module.js';
import { PresenceModule } from './presence/presence.module.js';
import { RateLimitModule } from './rate-limit/rate-limit.module.js';
import { SocketModule } from './socket/socket.module.js';
import { UserGatewayModule } from './user-gateway/user-gateway.module.js';

/** The gateway, assembled for one validated configuration. */
@Module({})
export class AppModule {
  static forRoot({ config, module: configModule }: LoadedConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        configModule,
        MetricsModule,
        AdmissionModule,
        EngineModule.forRoot(config),
        SocketModule,
        LifecycleModule,
        DeliveryModule,
        RateLimitModule,
        PresenceModule,
        UserGatewayModule,
        MessagingModule,
        ChatModule,
        CallModule,
        NotificationModule,
        StatusModule,
        InternalGatewayModule,
        InternalApiModule,
        HealthModule,
        ...(config.engine === 'redis' ? [ControlBusModule] : []),
        // Development mode only (NODE_ENV is not production): GET /asyncapi.json.
        ...(config.production ? [] : [AsyncApiModule]),
        ...(config.demoPage ? [DemoModule.forRoot(config)] : []),
      ],
    };
  }
}
