import { createServer, type RequestListener, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Server as IoServer } from 'socket.io';
import { fail } from '../common/ack.js';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { AppConfig } from '../config/app-config.js';
import { PortPolicy } from '../socket/port-policy.js';

/** Case-insensitive like Express routing, so `/INTERNAL/emit` cannot slip past on the public port. */
const isInternalPath = (path: string) => {
  const p = path.toLowerCase();
  return p === '/internal' || p.startsWith('/internal/');
};

/**
 * INTERNAL_PORT: a second listener on the same Express app and the same Socket.IO engine.
 * Each port answers only its own routes; the other's look like they do not exist.
 */
@Injectable()
export class InternalPortServer implements OnApplicationShutdown {
  private server?: HttpServer;

  constructor(
    private readonly config: AppConfig,
    private readonly ports: PortPolicy,
  ) {}

  readonly routeFilter = (req: Request, res: Response, next: NextFunction): void => {
    const allowed = isInternalPath(req.path) ? this.ports.allowsInternal(req.socket.localPort) : this.ports.allowsPublic(req.socket.localPort);
    if (allowed) return next();
    res.status(404).json(fail(new AppError(ErrorCode.NOT_FOUND, 'Route not found').toBody()));
  };

  /** Listens on INTERNAL_PORT and feeds Socket.IO connections there into the same engine. */
  async listen(handler: RequestListener, io: IoServer): Promise<number> {
    const server = createServer(handler);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.internalPort, this.config.host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    this.ports.setInternalPort(port);
    // After 'listening' on purpose: engine.io would otherwise re-run its init on this server.
    io.engine.attach(server, { path: '/socket.io' });
    return port;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server?.listening) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
