import { Injectable, Logger } from '@nestjs/common';
import { DeliveryService } from '../delivery/delivery.service.js';
import { SocketServerRef } from '../socket/socket-server.ref.js';
import { InFlight } from './in-flight.js';
import { ShutdownState } from './shutdown.state.js';

/**
 * Graceful shutdown (docs/protocol.md §7): readiness flips and handshakes are refused at once, this
 * node's clients are told to reconnect elsewhere and disconnected, in-flight work drains.
 */
@Injectable()
export class LifecycleService {
  private readonly logger = new Logger(LifecycleService.name);

  constructor(
    private readonly state: ShutdownState,
    private readonly sockets: SocketServerRef,
    private readonly inFlight: InFlight,
    private readonly delivery: DeliveryService,
  ) {}

  async drain(): Promise<void> {
    this.state.begin();
    if (this.sockets.ready) {
      const io = this.sockets.io;
      this.delivery.toLocal('server:shutdown', { reconnect: true });
      // Close the transports without a DISCONNECT packet: the client sees "transport close" and
      // reconnects by itself (to another node), and its recovery session is kept for that.
      const sockets = [...io.sockets.sockets.values()];
      for (const socket of sockets) socket.conn.close();
      this.logger.log({ sockets: sockets.length }, 'Shutting down: clients told to reconnect elsewhere');
    }
    await this.inFlight.drain();
  }
}
