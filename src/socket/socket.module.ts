import { Global, Module } from '@nestjs/common';
import { ShutdownState } from '../lifecycle/shutdown.state.js';
import { ClientEventsRegistry } from './client-events.registry.js';
import { PortPolicy } from './port-policy.js';
import { SocketServerRef } from './socket-server.ref.js';

@Global()
@Module({ providers: [SocketServerRef, ClientEventsRegistry, ShutdownState, PortPolicy], exports: [SocketServerRef, ClientEventsRegistry, ShutdownState, PortPolicy] })
export class SocketModule {}
