import { createServer, type IncomingMessage, type RequestListener, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Server as IoServer } from 'socket.io';
import { fail } from '../common/ack.js';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { AppConfig } from '../config/app-config.js';
import { PortPolicy } from '../socket/port-policy.js';
import { routePath } from './route-path.js';
import { httpServerOptions } from './http-server-options.js';

/**
 * Served on INTERNAL_PORT only: the internal API, the Admin UI's page (ADMIN_UI=true), the metrics
 * and the detailed health (node id, connection counts). `/health/live` and `/health/ready` are
 * served on both ports (isProbePath).
 */
const isInternalPath = (path: string) => {
  const p = path.toLowerCase();
  return (
    p === '/internal' ||
    p.startsWith('/internal/') ||
    p === '/admin-ui' ||
    p.startsWith('/admin-ui/') ||
    p === '/metrics' ||
    p === '/health'
  );
};

/**
 * The probes answer on both ports. On the public one for balancers that can only probe where they
 * route; on INTERNAL_PORT so that a probe does not queue behind a reconnect storm: a node accepts
 * one new connection per turn of its event loop (libuv since 1.45), so during a storm a new
 * connection to the public port can wait seconds in the listen backlog, and a balancer whose
 * check waits that long takes a working node out of rotation (docs/operations.md).
 */
const isProbePath = (path: string) => {
  const p = path.toLowerCase();
  return p === '/health/live' || p === '/health/ready';
};

/**
 * INTERNAL_PORT: a second listener on the same Fastify instance and the same Socket.IO engine.
 * Each port answers only its own routes; the other's look like they do not exist.
 */
@Injectable()
export class InternalPortServer implements OnApplicationShutdown {
  private server?: HttpServer;

  constructor(
    private readonly config: AppConfig,
    private readonly ports: PortPolicy,
  ) {}

  /**
   * onRequest hook. The router is case-insensitive and tolerates extra slashes, so the decision
   * uses the route that matched, not the spelling: `/INTERNAL//emit/` is `/internal/emit`.
   */
  readonly routeFilter = (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const path = routePath(req);
    if (isProbePath(path)) return done();
    const allowed = isInternalPath(path) ? this.ports.allowsInternal(req.raw) : this.ports.allowsPublic(req.raw);
    if (allowed) return done();
    void reply.code(404).send(fail(new AppError(ErrorCode.NOT_FOUND, 'Route not found').toBody()));
  };

  /** Listens on INTERNAL_PORT with Fastify's request router and feeds Socket.IO connections there into the same engine. */
  async listen(handler: RequestListener, io: IoServer): Promise<number> {
    const server = createServer(httpServerOptions(this.config.httpRequestTimeoutMs), handler);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.internalPort, this.config.host, () => resolve());
    });
    // After 'listening' on purpose: engine.io would otherwise re-run its init on this server.
    io.engine.attach(server, { path: '/socket.io' });
    // Prepended after engine.io's own listeners, so every request and upgrade is marked before
    // Fastify or engine.io sees it; the handshake's request object is what the namespace
    // middleware reads later, whatever transport carries the CONNECT.
    const mark = (req: IncomingMessage) => this.ports.markInternal(req);
    server.prependListener('request', mark);
    server.prependListener('upgrade', mark);
    return (server.address() as AddressInfo).port;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server?.listening) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
