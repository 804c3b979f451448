import { Module } from '@nestjs/common';
import { SessionModule } from '../session/session.module.js';
import { InternalController } from './internal.controller.js';
import { InternalSecretGuard } from './internal-secret.guard.js';

@Module({ imports: [SessionModule], controllers: [InternalController], providers: [InternalSecretGuard] })
export class InternalApiModule {}
