import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { SocketModule } from '../socket/socket.module.js';
import { NodeHeartbeat } from './node-heartbeat.service.js';
import { PresenceQueryService } from './presence-query.service.js';
import { PresenceVisibility } from './presence-visibility.js';
import { PresenceGateway } from './presence.gateway.js';
import { PresenceService } from './presence.service.js';

@Module({
  imports: [DeliveryModule, SocketModule],
  providers: [NodeHeartbeat, PresenceQueryService, PresenceVisibility, PresenceService, PresenceGateway],
  exports: [PresenceQueryService, PresenceService, PresenceVisibility, NodeHeartbeat],
})
export class PresenceModule {}
