import { Global, Module } from '@nestjs/common';
import { InFlight } from './in-flight.js';
import { LifecycleService } from './lifecycle.service.js';

@Global()
@Module({ providers: [InFlight, LifecycleService], exports: [InFlight, LifecycleService] })
export class LifecycleModule {}
