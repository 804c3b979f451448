import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { SessionModule } from '../session/session.module.js';
import { ControlBusService } from './control-bus.service.js';
import { SubscriberHeartbeat } from './subscriber-heartbeat.js';

/** Only loaded with the Redis engine: the control bus is Redis pub/sub. */
@Module({ imports: [SessionModule, DeliveryModule], providers: [ControlBusService, SubscriberHeartbeat] })
export class ControlBusModule {}
