import { Module } from '@nestjs/common';
import { ShutdownState } from '../lifecycle/shutdown.state.js';
import { EventDispatcher } from './event-dispatcher.js';
import { PortPolicy } from './port-policy.js';
import { SocketServerRef } from './socket-server.ref.js';

@Module({
  providers: [SocketServerRef, EventDispatcher, ShutdownState, PortPolicy],
  exports: [SocketServerRef, EventDispatcher, ShutdownState, PortPolicy],
})
export class SocketModule {}
