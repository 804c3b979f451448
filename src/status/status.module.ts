import { Global, Module } from '@nestjs/common';
import { StatusGateway } from './status.gateway.js';
import { StatusService } from './status.service.js';

@Global()
@Module({ providers: [StatusService, StatusGateway], exports: [StatusService] })
export class StatusModule {}
