import { Controller, Get, Header, NotFoundException } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from './metrics.service.js';

@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    if (!this.config.metricsEnabled) throw new NotFoundException();
    return this.metrics.registry.metrics();
  }
}
