import type { RequestListener, Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import multipart from '@fastify/multipart';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Server } from 'socket.io';
import { AppModule } from './app.module.js';
import { HttpErrorFilter } from './common/http-exception.filter.js';
import { AppValidationPipe } from './common/validation.pipe.js';
import { MAX_ID_LENGTH } from './common/validators.js';
import type { AppConfig } from './config/app-config.js';
import { EngineHealth } from './engine/engine-health.js';
import { describeRedisTarget } from './engine/redis/redis-client.js';
import type { LoadedConfig } from './config/config.module.js';
import { RedisConnections } from './engine/redis/redis-connections.js';
import { EmitRoutes } from './internal-api/emit.routes.js';
import { InternalPortServer } from './internal-api/internal-port.server.js';
import { InternalSecretHook } from './internal-api/internal-secret.hook.js';
import { StoreAvailableHook } from './internal-api/store-available.hook.js';
import { httpServerOptions, MAX_BODY_BYTES } from './internal-api/http-server-options.js';
import { IntakeFastPath } from './internal-api/intake-fast-path.js';
import { AppLogger, createPino } from './logging/app-logger.js';
import { RequestLog } from './logging/request-log.js';
import { GatewayIoAdapter } from './socket/gateway-io.adapter.js';
import { checkSocketIoInternals, liveInternals } from './socket/internals-check.js';
import { SocketServerRef } from './socket/socket-server.ref.js';

/**
 * Longer than any valid id (percent-encoded, a character takes up to 12 bytes), so an over-long
 * id reaches IdParamPipe and gets its VALIDATION_FAILED instead of the router's 414.
 */
const MAX_PARAM_LENGTH = 12 * MAX_ID_LENGTH + 1;
const REDIS_CONNECT_WAIT_MS = 5000;
/**
 * Connections the kernel may hold for us before we accept them: a reconnect storm (a neighbour
 * died or drained) lands thousands at once, and a full queue drops SYNs, which clients retry only
 * after a second or more (Linux caps it at net.core.somaxconn).
 */
const LISTEN_BACKLOG = 4096;

export interface RunningApp {
  app: INestApplication;
  port: number;
  /** The bound INTERNAL_PORT, when one is configured. */
  internalPort?: number;
}

/**
 * Fastify rather than Express: the backend intake (`POST /internal/emit`) is the hottest path of
 * the gateway, and Express's per-request cost would dominate it (docs/performance.md). Routing is
 * forgiving (case-insensitive, trailing and repeated slashes tolerated), as backends written
 * against Express expect, so the INTERNAL_PORT filter decides by the route a request matched,
 * whatever its spelling.
 */
function fastifyAdapter(config: AppConfig, errors: HttpErrorFilter): FastifyAdapter {
  return new FastifyAdapter({
    frameworkErrors: (error: Error, _req: FastifyRequest, reply: FastifyReply) => errors.send(reply, error),
    bodyLimit: MAX_BODY_BYTES,
    // HTTP_REQUEST_TIMEOUT_MS: a request (a slow body included) not fully received by then is answered 408.
    requestTimeout: config.httpRequestTimeoutMs,
    http: httpServerOptions(config.httpRequestTimeoutMs),
    // TRUST_PROXY as a hop count, like clientIp() for handshakes: the socket's peer and the next
    // N-1 addresses from the right of X-Forwarded-For are our proxies. (Fastify ignores a bare number.)
    trustProxy: config.trustProxy > 0 ? (_address: string, hop: number) => hop < config.trustProxy : false,
    routerOptions: {
      caseSensitive: false,
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
      maxParamLength: MAX_PARAM_LENGTH,
    },
  });
}

/**
 * Builds and starts the gateway for a loaded configuration (main.ts and the e2e tests share this).
 * Redis connects before the Socket.IO adapter is installed and before the app listens.
 */
export async function createApp(loaded: LoadedConfig): Promise<RunningApp> {
  const { config } = loaded;
  const errors = new HttpErrorFilter();
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(loaded), fastifyAdapter(config, errors), {
    bufferLogs: true,
    // Fastify's own JSON parser only (Nest's would add urlencoded bodies, which no route takes).
    bodyParser: false,
  });
  const pino = createPino(config);
  app.useLogger(new AppLogger(pino, config.log.format === 'pretty'));
  const fastify = app.getHttpAdapter().getInstance();
  const requestLog = new RequestLog(pino);
  if (requestLog.enabled) {
    fastify.addHook('onResponse', (req, reply, done) => {
      if (!requestLog.skips(req.url)) requestLog.write(req.method, req.url, reply.statusCode, reply.elapsedTime);
      done();
    });
  }
  // form-data only for Uptime Kuma's webhook (its `data` field); read on demand, no file kept.
  await app.register(multipart, { limits: { fields: 16, fieldSize: MAX_BODY_BYTES, files: 4, fileSize: MAX_BODY_BYTES, parts: 20 } });
  app.useGlobalFilters(errors);
  const engine = app.get(EngineHealth);
  errors.treatFailuresAsOutageWhen(() => !engine.available());
  app.useGlobalPipes(new AppValidationPipe());
  app.get(EmitRoutes).register(fastify, errors);
  // text/plain is no body any route takes: without Fastify's default parser it is a 415.
  fastify.removeContentTypeParser('text/plain');
  const internalListener = app.get(InternalPortServer);
  if (config.internalPort !== undefined) fastify.addHook('onRequest', internalListener.routeFilter);
  app.get(InternalSecretHook).register(fastify, errors);
  app.get(StoreAvailableHook).register(fastify, errors);
  // The intake's two routes are read off Node's request ahead of Fastify (IntakeFastPath says
  // why); with INTERNAL_PORT only on that port, where the /internal routes live.
  const fastPath = app.get(IntakeFastPath);
  const server = app.getHttpServer() as HttpServer;
  if (config.internalPort === undefined) {
    const [fastifyListener] = server.listeners('request') as RequestListener[];
    server.removeListener('request', fastifyListener);
    server.on('request', fastPath.wrap(fastifyListener, errors, requestLog.enabled));
  }

  if (config.engine === 'redis') {
    const connections = app.get(RedisConnections);
    if (!(await connections.connect(REDIS_CONNECT_WAIT_MS))) {
      // docs/protocol.md §8: a node started during an outage stays up and says, once, what it waits for.
      const logger = new Logger('Bootstrap');
      logger.warn(
        `Waiting for Redis at ${describeRedisTarget(config.redis)}: not reachable yet; the gateway runs meanwhile ` +
          '(live 200, ready 503, handshakes UNAVAILABLE, internal routes 503) and serves once Redis answers',
      );
      connections.command.once('ready', () => logger.log('Redis answered; serving'));
    }
  }
  app.useWebSocketAdapter(new GatewayIoAdapter(app, config));
  // Loaded only when ADMIN_UI=true: off, neither this module nor the package is imported.
  const adminUi = config.adminUi ? await import('./admin-ui/admin-ui.js') : undefined;
  if (adminUi && config.adminUi) await adminUi.registerAdminUiPage(fastify, { readonly: config.adminUi.readonly });
  await app.init();
  const io = app.get(SocketServerRef).io as unknown as Server;
  try {
    checkSocketIoInternals(liveInternals(io));
  } catch (err) {
    await app.close();
    throw err;
  }
  if (adminUi && config.adminUi) await adminUi.installAdminUi(io, app, config, config.adminUi);
  await app.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG });
  const port = (app.getHttpServer().address() as AddressInfo).port;
  if (config.internalPort === undefined) return { app, port };
  const internalPort = await internalListener.listen(fastPath.wrap(fastify.routing as RequestListener, errors, requestLog.enabled), io);
  return { app, port, internalPort };
}
