import { Module } from '@nestjs/common';
import { SocketModule } from '../socket/socket.module.js';
import { InFlight } from './in-flight.js';
import { LifecycleService } from './lifecycle.service.js';

@Module({ imports: [SocketModule], providers: [InFlight, LifecycleService], exports: [InFlight, LifecycleService] })
export class LifecycleModule {}
