import { Injectable } from '@nestjs/common';
import { Rooms } from '../socket/rooms.js';

/** What this ref needs of the `/internal` namespace (set by the internal gateway). */
interface ServiceSocketsNamespace {
  in(room: string): { disconnectSockets(close: boolean): void };
}

/** The `/internal` namespace, for actions that reach service sockets on every node. */
@Injectable()
export class InternalSocketRef {
  private nsp?: ServiceSocketsNamespace;

  set(nsp: ServiceSocketsNamespace): void {
    this.nsp = nsp;
  }

  /** Through the adapter, so the service's sockets on every node go. */
  disconnectService(name: string): void {
    this.nsp?.in(Rooms.service(name)).disconnectSockets(true);
  }
}
