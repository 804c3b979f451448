import { Injectable } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import { serviceRoom } from './service-sessions.js';

/** The `/internal` namespace, for actions that reach service sockets on every node. */
@Injectable()
export class InternalSocketRef {
  private nsp?: Namespace;

  set(nsp: Namespace): void {
    this.nsp = nsp;
  }

  /** Through the adapter, so the service's sockets on every node go. */
  disconnectService(name: string): void {
    this.nsp?.in(serviceRoom(name)).disconnectSockets(true);
  }
}
