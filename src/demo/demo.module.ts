import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { DemoController, DemoRootController } from './demo.controller.js';

/**
 * The /demo page (imported by AppModule only when DEMO_PAGE is on: off, its routes do not exist);
 * in development mode `/` leads to it too.
 */
@Module({})
export class DemoModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: DemoModule, controllers: [DemoController, ...(config.generatedSecrets ? [DemoRootController] : [])] };
  }
}
