import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from '@nestjs/common';
import { AppModule } from './app.module.js';
import { HttpErrorFilter } from './common/http-exception.filter.js';
import { AppValidationPipe } from './common/validation.pipe.js';
import type { AppConfig } from './config/app-config.js';
import { RedisConnections } from './engine/redis/redis-connections.js';
import { GatewayIoAdapter } from './socket/gateway-io.adapter.js';
import { SocketServerRef } from './socket/socket-server.ref.js';
import { InternalPortServer } from './internal-api/internal-port.server.js';
import { AppLogger, createPino } from './logging/app-logger.js';
import { RequestLog } from './logging/request-log.js';
import type { Server } from 'socket.io';

export const MAX_BODY_BYTES = '1mb';
const REDIS_CONNECT_WAIT_MS = 5000;

export interface RunningApp {
  app: INestApplication;
  port: number;
  /** The bound INTERNAL_PORT, when one is configured. */
  internalPort?: number;
}

/**
 * Builds and starts the gateway for `config` (main.ts and the e2e tests share this).
 * Redis connects before the Socket.IO adapter is installed and before the app listens.
 */
export async function createApp(config: AppConfig): Promise<RunningApp> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    bodyParser: false,
  });
  const pino = createPino(config);
  app.useLogger(new AppLogger(pino));
  const requestLog = new RequestLog(pino);
  if (requestLog.enabled) {
    app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
      if (requestLog.skips(req.url ?? '')) return next();
      const startedAt = process.hrtime.bigint();
      res.once('finish', () => requestLog.write(req.method ?? '', req.url ?? '', res.statusCode, startedAt));
      next();
    });
  }
  app.useBodyParser('json', { limit: MAX_BODY_BYTES });
  app.useGlobalFilters(new HttpErrorFilter());
  app.useGlobalPipes(new AppValidationPipe());
  if (config.trustProxy) app.set('trust proxy', true);
  app.disable('x-powered-by');
  const internalListener = app.get(InternalPortServer);
  if (config.internalPort !== undefined) app.use(internalListener.routeFilter);

  let redis: RedisConnections | undefined;
  if (config.engine === 'redis') {
    const connections = app.get(RedisConnections);
    redis = connections;
    if (!(await connections.connect(REDIS_CONNECT_WAIT_MS))) {
      new Logger('Bootstrap').warn('Redis is not reachable yet; starting anyway, readiness stays 503 until it answers');
    }
  }
  app.useWebSocketAdapter(new GatewayIoAdapter(app, config, redis?.adapter));
  await app.listen(config.port, config.host);
  const port = (app.getHttpServer().address() as AddressInfo).port;
  if (config.internalPort === undefined) return { app, port };
  const internalPort = await internalListener.listen(app.getHttpAdapter().getInstance(), app.get(SocketServerRef).io as unknown as Server);
  return { app, port, internalPort };
}
