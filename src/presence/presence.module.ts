import { Module } from '@nestjs/common';
import { NodeHeartbeat } from './node-heartbeat.service.js';
import { PresenceQueryService } from './presence-query.service.js';

@Module({ providers: [NodeHeartbeat, PresenceQueryService], exports: [PresenceQueryService] })
export class PresenceModule {}
