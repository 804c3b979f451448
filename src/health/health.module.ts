import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { EngineHealthIndicator } from './engine.health.js';
import { HealthController } from './health.controller.js';

@Module({ imports: [TerminusModule.forRoot({ logger: false })], controllers: [HealthController], providers: [EngineHealthIndicator] })
export class HealthModule {}
