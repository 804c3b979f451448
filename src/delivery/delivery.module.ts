import { Global, Module } from '@nestjs/common';
import { DeliveryService } from './delivery.service.js';
import { EmitService } from './emit.service.js';

@Global()
@Module({ providers: [DeliveryService, EmitService], exports: [DeliveryService, EmitService] })
export class DeliveryModule {}
