import { Module } from '@nestjs/common';
import { DemoController } from './demo.controller.js';

/** The /demo page (imported by AppModule only when DEMO_PAGE is on: off, its routes do not exist). */
@Module({ controllers: [DemoController] })
export class DemoModule {}
