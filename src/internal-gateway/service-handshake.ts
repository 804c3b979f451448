import { Injectable, Logger } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { ShutdownState } from '../lifecycle/shutdown.state.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { PortPolicy } from '../socket/port-policy.js';
import { handshakeError } from '../common/handshake-error.js';
import { ServiceAttempts } from './service-attempts.js';
import { type ServiceIdentity, ServiceRegistry } from '../service-registry/service-registry.service.js';
import type { ServiceNamespace, ServiceSocket } from './service-sessions.js';

/**
 * `/internal` middleware: the namespace only exists on the internal port when one is set;
 * credentials in the handshake `auth` are checked before the connection exists; a user JWT is
 * never accepted here.
 */
@Injectable()
export class ServiceHandshake {
  private readonly logger = new Logger(ServiceHandshake.name);
  /** Identities proven in the handshake, until the connection handler takes them. */
  private readonly pending = new WeakMap<ServiceSocket, ServiceIdentity>();

  constructor(
    private readonly registry: ServiceRegistry,
    private readonly ports: PortPolicy,
    private readonly shutdown: ShutdownState,
    private readonly metrics: MetricsService,
    private readonly attempts: ServiceAttempts,
  ) {}

  attach(nsp: ServiceNamespace): void {
    nsp.use((socket, next) => {
      if (!this.ports.allowsInternal(socket.request)) return next(new Error('Invalid namespace'));
      this.check(socket).then(
        () => next(),
        (err: unknown) => {
          const appError = err instanceof AppError ? err : new AppError(ErrorCode.UNAVAILABLE, 'Service store unavailable');
          if (!(err instanceof AppError)) this.logger.warn({ reason: (err as Error)?.message }, 'Service handshake failed on the store');
          this.metrics.handshakeRejections.inc({ code: appError.code });
          next(handshakeError(appError));
        },
      );
    });
  }

  /** The identity proven in the handshake, if any (consumed once). */
  identityOf(socket: ServiceSocket): ServiceIdentity | undefined {
    const identity = this.pending.get(socket);
    this.pending.delete(socket);
    return identity;
  }

  private async check(socket: ServiceSocket): Promise<void> {
    if (this.shutdown.refusesHandshakes) throw new AppError(ErrorCode.UNAVAILABLE, 'Server is shutting down');
    await this.attempts.handshake(socket);
    const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
    const { serviceName, serviceKey } = auth;
    if (serviceName === undefined && serviceKey === undefined) {
      if (auth.token !== undefined) throw new AppError(ErrorCode.AUTH_INVALID, 'User tokens cannot authenticate on /internal');
      return; // may authenticate_service or register_service within the deadline
    }
    if (typeof serviceName !== 'string' || typeof serviceKey !== 'string' || serviceName.length > 64 || serviceKey.length > 1024) {
      throw new AppError(ErrorCode.AUTH_INVALID, 'serviceName and serviceKey must be strings');
    }
    this.pending.set(socket, await this.attempts.attempt(socket, () => this.registry.authenticate(serviceName, serviceKey)));
  }
}
