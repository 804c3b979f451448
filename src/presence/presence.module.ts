import { Module } from '@nestjs/common';
import { NodeHeartbeat } from './node-heartbeat.service.js';

@Module({ providers: [NodeHeartbeat] })
export class PresenceModule {}
