import { type INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Server, ServerOptions } from 'socket.io';
import type { AppConfig } from '../config/app-config.js';
import type { RedisClient } from '../engine/redis/redis-client.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { RedisKeys } from '../engine/redis/redis-keys.js';
import { boundedRecoveryAdapter } from './bounded-recovery.adapter.js';
import { installDispatcherBinding, type DispatchingAdapter } from './dispatcher-binding.js';
import { EventDispatcher } from './event-dispatcher.js';
import { releaseFlushedBuffers } from './flushed-buffers.js';
import { boundSlowConsumers } from './slow-consumers.js';
import { admitHandshakes } from '../admission/handshake-admission.js';
import { LoopLag } from '../admission/loop-lag.js';
import { gateRecovery } from './recovery-gate.js';

/**
 * The streams adapter persists a closing socket's recovery session with a SET whose promise it
 * never handles; if that SET is still queued when the connection closes (Redis down, then
 * shutdown) the rejection is unhandled and kills the process. Handle it here: a lost session
 * only means that socket cannot recover.
 */
function handleSessionWrites(client: RedisClient): RedisClient {
  const logger = new Logger('GatewayIoAdapter');
  const set = client.set as (...args: unknown[]) => Promise<unknown>;
  const guarded = function (this: RedisClient, ...args: unknown[]): Promise<unknown> {
    const result = set.apply(this, args);
    result.catch((err: Error) => logger.warn({ reason: err.message }, 'Could not persist a recovery session'));
    return result;
  };
  Object.defineProperty(client, 'set', { value: guarded, configurable: true, writable: true });
  return client;
}

/**
 * Applies the gateway's Socket.IO settings (CORS, heartbeats, buffer size, connection-state
 * recovery) and, with the Redis engine, the Redis Streams adapter: it is the one official
 * adapter that supports connection-state recovery across nodes and resumes its stream after
 * a short Redis outage instead of losing packets. Its recovery is gated (recovery-gate.ts): missed
 * packets reach a socket only once it has passed the middleware, none lost or doubled meanwhile.
 */
export class GatewayIoAdapter extends IoAdapter implements DispatchingAdapter {
  /** Every gateway's handlers run through it: one listener per socket, not one per handler. */
  readonly dispatcher: EventDispatcher;

  constructor(
    private readonly app: INestApplicationContext,
    private readonly config: AppConfig,
    private readonly redis?: RedisClient,
  ) {
    super(app);
    installDispatcherBinding();
    this.dispatcher = app.get(EventDispatcher);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const { corsOrigin, socketio, recoveryWindowMs, recoveryBufferBytes, prefix } = this.config;
    const server = super.createIOServer(port, {
      ...options,
      cors: { origin: corsOrigin === '*' ? '*' : corsOrigin, credentials: corsOrigin !== '*' },
      pingInterval: socketio.pingInterval,
      pingTimeout: socketio.pingTimeout,
      maxHttpBufferSize: socketio.maxBufferSize,
      // Recovered sockets still pass the auth middleware: a revoked session must not come back.
      connectionStateRecovery:
        recoveryWindowMs > 0 ? { maxDisconnectionDuration: recoveryWindowMs, skipMiddlewares: false } : undefined,
      adapter: this.redis
        ? this.redisAdapter(this.redis, prefix)
        : recoveryWindowMs > 0
          ? boundedRecoveryAdapter(recoveryBufferBytes)
          : undefined,
    } as ServerOptions) as Server;
    releaseFlushedBuffers(server.engine);
    const metrics = this.app.get(MetricsService);
    boundSlowConsumers(server.engine, this.config.socketMaxBufferedBytes, () => metrics.slowDisconnects.inc());
    admitHandshakes(server, this.config.handshakeAdmission, this.app.get(LoopLag), (reason) => metrics.handshakeRefusals.inc({ reason }));
    return server;
  }

  private redisAdapter(redis: RedisClient, prefix: string): ServerOptions['adapter'] {
    const keys = new RedisKeys(prefix);
    const factory = createAdapter(handleSessionWrites(redis), {
      streamName: keys.adapterStream,
      channelPrefix: keys.adapterStream,
      sessionKeyPrefix: keys.adapterSessionPrefix,
      maxLen: 100_000,
    }) as unknown as (nsp: unknown) => unknown;
    // Socket.IO calls it with `new`: a plain function (not an arrow) returning the adapter object.
    return function gatedAdapter(nsp: unknown) {
      return gateRecovery(skipOwnEntries(factory(nsp)));
    } as unknown as ServerOptions['adapter'];
  }
}

interface StreamReader {
  uid: string;
  onRawMessage(message: { uid?: string }, offset: string): void;
}

/**
 * Every node reads every stream entry, its own included, and the streams adapter parses an
 * entry's JSON before the cluster adapter drops the node's own ones: drop them before parsing.
 */
function skipOwnEntries<T>(adapter: T): T {
  const reader = adapter as unknown as StreamReader;
  if (typeof reader.onRawMessage !== 'function' || typeof reader.uid !== 'string') {
    throw new Error('@socket.io/redis-streams-adapter no longer has onRawMessage/uid; pin the version the gateway supports');
  }
  const read = reader.onRawMessage.bind(reader);
  reader.onRawMessage = (message, offset) => {
    if (message.uid !== reader.uid) read(message, offset);
  };
  return adapter;
}
