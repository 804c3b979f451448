import { Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { type Ack, ok } from '../common/ack.js';
import { ServiceRegistry, type ServiceView } from '../internal-gateway/service-registry.service.js';
import { InternalSocketRef } from '../internal-gateway/internal-socket.ref.js';
import { InternalSecretGuard } from './internal-secret.guard.js';

/** Registered services (SPEC §6.1): list, approve, delete (which disconnects them everywhere). */
@Controller('internal/services')
@UseGuards(InternalSecretGuard)
export class ServicesController {
  constructor(
    private readonly registry: ServiceRegistry,
    private readonly sockets: InternalSocketRef,
  ) {}

  @Get()
  async list(): Promise<Ack<{ services: ServiceView[] }>> {
    return ok({ services: await this.registry.list() });
  }

  @Post(':name/approve')
  @HttpCode(200)
  async approve(@Param('name') name: string): Promise<Ack<{ service: ServiceView }>> {
    return ok({ service: await this.registry.approve(name) });
  }

  @Delete(':name')
  @HttpCode(200)
  async remove(@Param('name') name: string): Promise<Ack<{ removed: string }>> {
    await this.registry.remove(name);
    this.sockets.disconnectService(name);
    return ok({ removed: name });
  }
}
