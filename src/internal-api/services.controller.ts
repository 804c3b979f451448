import { Controller, Delete, Get, HttpCode, Param, Post, UseInterceptors } from '@nestjs/common';
import { type Ack, ok } from '../common/ack.js';
import { ServiceRegistry, type ServiceView } from '../service-registry/service-registry.service.js';
import { InternalSocketRef } from '../service-registry/internal-socket.ref.js';
import { InternalAction, InternalRequestMetrics } from './internal-request-metrics.interceptor.js';

/** Registered services (docs/protocol.md §6.1): list, approve, delete (which disconnects them everywhere). */
@Controller('internal/services')
@UseInterceptors(InternalRequestMetrics)
export class ServicesController {
  constructor(
    private readonly registry: ServiceRegistry,
    private readonly sockets: InternalSocketRef,
  ) {}

  @Get()
  @InternalAction('list_services')
  async list(): Promise<Ack<{ services: ServiceView[] }>> {
    return ok({ services: await this.registry.list() });
  }

  @Post(':name/approve')
  @InternalAction('approve_service')
  @HttpCode(200)
  async approve(@Param('name') name: string): Promise<Ack<{ service: ServiceView }>> {
    return ok({ service: await this.registry.approve(name) });
  }

  @Delete(':name')
  @InternalAction('remove_service')
  @HttpCode(200)
  async remove(@Param('name') name: string): Promise<Ack<{ removed: string }>> {
    await this.registry.remove(name);
    this.sockets.disconnectService(name);
    return ok({ removed: name });
  }
}
