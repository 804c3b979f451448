import { Injectable } from '@nestjs/common';
import { type ServiceNamespace, serviceRoom } from './service-sessions.js';

/** The `/internal` namespace, for actions that reach service sockets on every node. */
@Injectable()
export class InternalSocketRef {
  private nsp?: ServiceNamespace;

  set(nsp: ServiceNamespace): void {
    this.nsp = nsp;
  }

  /** Through the adapter, so the service's sockets on every node go. */
  disconnectService(name: string): void {
    this.nsp?.in(serviceRoom(name)).disconnectSockets(true);
  }
}
