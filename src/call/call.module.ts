import { Module } from '@nestjs/common';
import { CallGateway } from './call.gateway.js';
import { CallService } from './call.service.js';

@Module({ providers: [CallService, CallGateway] })
export class CallModule {}
