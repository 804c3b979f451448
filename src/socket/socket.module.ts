import { Module } from '@nestjs/common';
import { EventDispatcher } from './event-dispatcher.js';
import { PortPolicy } from './port-policy.js';
import { SocketServerRef } from './socket-server.ref.js';

@Module({
  providers: [SocketServerRef, EventDispatcher, PortPolicy],
  exports: [SocketServerRef, EventDispatcher, PortPolicy],
})
export class SocketModule {}
