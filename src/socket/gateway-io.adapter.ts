import { type INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Namespace, Server, ServerOptions } from 'socket.io';
import { ClusterNode, GatewayAdapter } from '../cluster/gateway.adapter.js';
import type { AppConfig } from '../config/app-config.js';
import { Broker } from '../engine/broker.js';
import { NodeBus } from '../engine/node-bus.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { RecoveryService } from '../recovery/recovery.service.js';
import { installDispatcherBinding, type DispatchingAdapter } from './dispatcher-binding.js';
import { EventDispatcher } from './event-dispatcher.js';
import { deliveryKind } from './delivery-count.js';
import { countOutboundBytes, releaseFlushedBuffers, writeFlushesTogether } from './flushed-buffers.js';
import { boundSlowConsumers } from './slow-consumers.js';
import { admitHandshakes } from '../admission/handshake-admission.js';
import { LoopLag } from '../admission/loop-lag.js';
import { noBinaryParser } from './no-binary-parser.js';

/**
 * Applies the gateway's Socket.IO settings (CORS, heartbeats, buffer size, connection-state
 * recovery) and its adapter (src/cluster/gateway.adapter.ts) on both engines: publications go
 * through the engine's broker, recovery through src/recovery/.
 */
export class GatewayIoAdapter extends IoAdapter implements DispatchingAdapter {
  /** Every gateway's handlers run through it: one listener per socket, not one per handler. */
  readonly dispatcher: EventDispatcher;
  private readonly node: ClusterNode;
  private readonly metrics: MetricsService;
  /** The namespaces of the server once created, for telling a socket id from a room name. */
  private server?: Server;

  constructor(
    private readonly app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
    installDispatcherBinding();
    this.dispatcher = app.get(EventDispatcher);
    const logger = new Logger('Cluster');
    const metrics = app.get(MetricsService);
    this.metrics = metrics;
    this.node = new ClusterNode({
      nodeId: config.nodeId,
      deliverySliceMs: config.deliverySliceMs,
      broker: app.get(Broker),
      bus: app.get(NodeBus),
      recovery: config.recoveryWindowMs > 0 ? app.get(RecoveryService) : undefined,
      logger,
      onPublishError: (err) => {
        metrics.publishFailures.inc();
        logger.warn({ reason: err.message }, 'A publication was not accepted by the engine');
      },
      delivered: (nsp, rooms, sockets) => {
        const sids = this.server?.of(nsp).sockets;
        metrics.delivered(nsp, deliveryKind(rooms, (room) => sids?.has(room) ?? false), sockets);
      },
    });
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const { corsOrigin, socketio, recoveryWindowMs } = this.config;
    const node = this.node;
    const server = super.createIOServer(port, {
      ...options,
      cors: { origin: corsOrigin === '*' ? '*' : corsOrigin, credentials: corsOrigin !== '*' },
      pingInterval: socketio.pingInterval,
      pingTimeout: socketio.pingTimeout,
      maxHttpBufferSize: socketio.maxBufferSize,
      // docs/protocol.md §2.3, §4.8: no binary attachment is ever buffered; a transport must join a namespace in time.
      parser: noBinaryParser,
      connectTimeout: this.config.connectTimeoutMs,
      // Recovered sockets still pass the auth middleware: a revoked session must not come back.
      connectionStateRecovery:
        recoveryWindowMs > 0 ? { maxDisconnectionDuration: recoveryWindowMs, skipMiddlewares: false } : undefined,
      // Socket.IO calls it with `new`: a plain function (not an arrow) returning the adapter object.
      adapter: function gatewayAdapter(nsp: Namespace) {
        return new GatewayAdapter(nsp, node);
      } as unknown as ServerOptions['adapter'],
    } as ServerOptions) as Server;
    releaseFlushedBuffers(server.engine);
    writeFlushesTogether(server.engine);
    this.server = server;
    // Observability: bytes handed to client transports (the delivered messages are counted by the adapter).
    countOutboundBytes(server.engine, (bytes, transport) => this.metrics.outboundBytes(bytes, transport));
    boundSlowConsumers(server.engine, this.config.socketMaxBufferedBytes, () => this.metrics.slowDisconnects.inc());
    admitHandshakes(server, this.config.handshakeAdmission, this.app.get(LoopLag), (reason) => this.metrics.handshakeRefusals.inc({ reason }));
    return server;
  }
}
