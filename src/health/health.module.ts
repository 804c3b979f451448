import { Module } from '@nestjs/common';
import { LifecycleModule } from '../lifecycle/lifecycle.module.js';
import { PresenceModule } from '../presence/presence.module.js';
import { SocketModule } from '../socket/socket.module.js';
import { TerminusModule } from '@nestjs/terminus';
import { EngineHealthIndicator } from './engine.health.js';
import { HealthController } from './health.controller.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), SocketModule, LifecycleModule, PresenceModule],
  controllers: [HealthController],
  providers: [EngineHealthIndicator],
})
export class HealthModule {}
