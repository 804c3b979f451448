import { Module } from '@nestjs/common';
import { SocketModule } from '../socket/socket.module.js';
import { DeliveryService } from './delivery.service.js';
import { EmitService } from './emit.service.js';

@Module({ imports: [SocketModule], providers: [DeliveryService, EmitService], exports: [DeliveryService, EmitService] })
export class DeliveryModule {}
