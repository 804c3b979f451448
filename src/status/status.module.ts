import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { StatusGateway } from './status.gateway.js';
import { StatusService } from './status.service.js';

@Module({ imports: [DeliveryModule], providers: [StatusService, StatusGateway], exports: [StatusService] })
export class StatusModule {}
