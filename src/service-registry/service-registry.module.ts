import { Module } from '@nestjs/common';
import { InternalSocketRef } from './internal-socket.ref.js';
import { ServiceRegistry } from './service-registry.service.js';

/** Backend services: who may connect to `/internal`, and disconnecting them everywhere. */
@Module({ providers: [ServiceRegistry, InternalSocketRef], exports: [ServiceRegistry, InternalSocketRef] })
export class ServiceRegistryModule {}
