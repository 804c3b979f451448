import { Module } from '@nestjs/common';
import { AsyncApiController } from './asyncapi.controller.js';

/** The machine-readable contract of the Socket.IO events, served in development mode. */
@Module({ controllers: [AsyncApiController] })
export class AsyncApiModule {}
