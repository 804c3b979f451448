import { Module } from '@nestjs/common';
import { CallModule } from '../call/call.module.js';
import { ChatModule } from '../chat/chat.module.js';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { PresenceModule } from '../presence/presence.module.js';
import { SessionModule } from '../session/session.module.js';
import { SocketModule } from '../socket/socket.module.js';
import { ConnectionLifecycle } from './connection-lifecycle.service.js';
import { DrainClock } from './drain-clock.js';
import { InFlight } from './in-flight.js';
import { LifecycleService } from './lifecycle.service.js';
import { ShutdownState } from './shutdown.state.js';

@Module({
  imports: [SocketModule, DeliveryModule, ChatModule, SessionModule, PresenceModule, CallModule],
  providers: [InFlight, LifecycleService, ConnectionLifecycle, DrainClock, ShutdownState],
  exports: [InFlight, LifecycleService, ConnectionLifecycle, ShutdownState],
})
export class LifecycleModule {}
