import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import type { UserSocket } from '../socket/events.js';
import { farewell } from '../socket/emit-then-disconnect.js';
import { SocketServerRef } from '../socket/socket-server.ref.js';
import { DrainClock } from './drain-clock.js';
import { planWaves, WAVE_INTERVAL_MS } from './drain-plan.js';
import { InFlight } from './in-flight.js';
import { ShutdownState } from './shutdown.state.js';

/**
 * The graceful drain (docs/protocol.md §7, docs/operations.md), in three steps:
 * 1. readiness answers 503 at once, and for SHUTDOWN_DRAIN_DELAY_MS everything is still served
 *    (handshakes too), so load balancers stop routing here before anything is refused;
 * 2. new handshakes are refused and the sockets are moved off in waves over SHUTDOWN_SPREAD_MS:
 *    each gets `server:shutdown { reconnect: true, reconnectAfterMs }` and then its transport is
 *    closed (no DISCONNECT packet: a plain Socket.IO client sees "transport close", reconnects by
 *    itself, to another node, and recovers what it missed);
 * 3. in-flight work (the departures' store writes) finishes; main.ts then closes the app.
 * A second signal cuts the waiting of steps 1 and 2 short; it never skips step 3.
 */
@Injectable()
export class LifecycleService {
  private readonly logger = new Logger(LifecycleService.name);
  private readonly hurried = new AbortController();

  constructor(
    private readonly config: AppConfig,
    private readonly state: ShutdownState,
    private readonly sockets: SocketServerRef,
    private readonly inFlight: InFlight,
    private readonly clock: DrainClock,
  ) {}

  async drain(): Promise<void> {
    const { drainDelayMs, spreadMs } = this.config.shutdown;
    this.state.begin();
    this.logger.log({ drainDelayMs, spreadMs }, 'Draining: readiness is 503; serving on until the load balancers stop routing here');
    await this.clock.sleep(drainDelayMs, this.hurried.signal);
    this.state.refuseHandshakes();
    if (this.sockets.ready) await this.moveSockets(spreadMs);
    await this.inFlight.drain();
    // A handshake admitted before the refusal may have completed meanwhile.
    this.moveStragglers();
  }

  /** A second signal: the remaining delay and waves go at once; in-flight work still finishes. */
  hurry(): void {
    if (this.hurried.signal.aborted) return;
    this.logger.warn('Second signal: moving the remaining sockets now; in-flight work still finishes');
    this.hurried.abort();
  }

  private async moveSockets(spreadMs: number): Promise<void> {
    const live = this.sockets.io.sockets.sockets;
    const waves = planWaves([...live.keys()], spreadMs);
    this.logger.log({ sockets: live.size, waves: waves.length, spreadMs }, 'Shutting down: moving sockets to other nodes');
    const start = this.clock.now();
    for (const wave of waves) {
      await this.clock.sleep(start + wave.atMs - this.clock.now(), this.hurried.signal);
      for (const { socketId, reconnectAfterMs } of wave.moves) {
        const socket = live.get(socketId);
        if (socket) this.move(socket, reconnectAfterMs);
      }
    }
    this.moveStragglers();
  }

  private moveStragglers(): void {
    if (!this.sockets.ready) return;
    for (const socket of this.sockets.io.sockets.sockets.values()) this.move(socket, Math.floor(Math.random() * WAVE_INTERVAL_MS));
  }

  private move(socket: UserSocket, reconnectAfterMs: number): void {
    farewell(socket, 'closeTransport', 'server:shutdown', { reconnect: true, reconnectAfterMs });
  }
}
