import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { handshakeError } from '../common/handshake-error.js';
import { extractToken } from '../auth/token-source.js';
import { TokenVerifier } from '../auth/token-verifier.service.js';
import { AttemptLimits } from '../rate-limit/attempt-limits.js';
import { ShutdownState } from '../lifecycle/shutdown.state.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { cacheActor } from '../session/actor.js';
import { SessionService } from '../session/session.service.js';
import { PresenceQueryService } from '../presence/presence-query.service.js';
import { PortPolicy } from '../socket/port-policy.js';
import type { UserSocket } from '../socket/events.js';
import { clientIp } from '../common/client-ip.js';
import { RecoveryService } from '../recovery/recovery.service.js';

type Next = (err?: Error) => void;

/**
 * Socket.IO middleware on `/`: the token is verified and the session admitted before the
 * connection exists, so an unauthenticated socket never does.
 */
@Injectable()
export class HandshakeAuth {
  private readonly logger = new Logger(HandshakeAuth.name);

  constructor(
    private readonly config: AppConfig,
    private readonly verifier: TokenVerifier,
    private readonly sessions: SessionService,
    private readonly attempts: AttemptLimits,
    private readonly shutdown: ShutdownState,
    private readonly metrics: MetricsService,
    private readonly ports: PortPolicy,
    private readonly recovery: RecoveryService,
    private readonly presence: PresenceQueryService,
  ) {}

  readonly middleware = (socket: UserSocket, next: Next): void => {
    if (!this.ports.allowsPublic(socket.request)) return next(new Error('Invalid namespace'));
    this.authenticate(socket).then(
      () => next(),
      (err: unknown) => {
        this.recovery.refused(socket);
        const appError = err instanceof AppError ? err : this.unexpected(err);
        this.metrics.handshakeRejections.inc({ code: appError.code });
        next(handshakeError(appError));
      },
    );
  };

  private async authenticate(socket: UserSocket): Promise<void> {
    if (this.shutdown.refusesHandshakes) throw new AppError(ErrorCode.UNAVAILABLE, 'Server is shutting down');
    const { handshake } = socket;
    // What connection-state recovery restored (another user's, possibly): checked once the identity is known.
    const restored = socket.recovered ? socket.data : undefined;
    const ip = clientIp(handshake.headers, handshake.address, this.config.trustProxy);
    const decision = await this.attempts.hit(`handshake:${ip}`);
    if (!decision.allowed) {
      this.metrics.rateLimited.inc({ scope: 'handshake' });
      throw new AppError(ErrorCode.RATE_LIMITED, 'Too many connection attempts', { retryAfterMs: decision.retryAfterMs });
    }

    const token = extractToken(handshake, this.config.jwt.allowQueryToken);
    if (!token) throw new AppError(ErrorCode.AUTH_REQUIRED, 'No token in auth.token, Authorization header or query');
    const identity = this.verifier.verify(token);
    // Before admit: a refused handshake must not replace the user's live session.
    await this.checkSocketQuota(identity.userId);
    await this.sessions.admit(identity.userId, identity.sessionId);
    socket.data = {
      userId: identity.userId,
      sessionId: identity.sessionId,
      roles: identity.roles,
      expiresAt: identity.expiresAt,
      chats: identity.chats,
    };
    await this.recovery.admit(socket, restored);
    // After admit: a refused recovery gives the socket a new id, which the Actor carries.
    cacheActor(socket);
  }

  /**
   * MAX_SOCKETS_PER_USER across all nodes (docs/protocol.md §2.1). Sockets count once registered, so
   * handshakes of one user that run at the same moment can each pass; the per-IP handshake limit
   * bounds such a burst.
   */
  private async checkSocketQuota(userId: string): Promise<void> {
    if ((await this.presence.socketCount(userId)) < this.config.maxSocketsPerUser) return;
    throw new AppError(ErrorCode.TOO_MANY_SOCKETS, `This user already holds ${this.config.maxSocketsPerUser} sockets`);
  }

  /** Store failures (Redis away) surface as UNAVAILABLE; the cause is logged without payloads. */
  private unexpected(err: unknown): AppError {
    this.logger.warn({ reason: (err as Error)?.message }, 'Handshake failed on the engine store');
    return new AppError(ErrorCode.UNAVAILABLE, 'Realtime store unavailable');
  }
}
