import { Injectable, Logger } from '@nestjs/common';
import { SocketServerRef } from '../socket/socket-server.ref.js';
import { InFlight } from './in-flight.js';
import { ShutdownState } from './shutdown.state.js';

/**
 * Graceful shutdown (SPEC §7): readiness flips and handshakes are refused at once, this
 * node's clients are told to reconnect elsewhere and disconnected, in-flight work drains.
 */
@Injectable()
export class LifecycleService {
  private readonly logger = new Logger(LifecycleService.name);

  constructor(
    private readonly state: ShutdownState,
    private readonly sockets: SocketServerRef,
    private readonly inFlight: InFlight,
  ) {}

  async drain(): Promise<void> {
    this.state.begin();
    if (this.sockets.ready) {
      const local = this.sockets.io.local;
      const count = (await local.fetchSockets()).length;
      local.emit('server:shutdown', { reconnect: true });
      local.disconnectSockets(true);
      this.logger.log({ sockets: count }, 'Shutting down: clients disconnected');
    }
    await this.inFlight.drain();
  }
}
