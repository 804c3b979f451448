import { Logger } from '@nestjs/common';
import { ConnectedSocket, MessageBody, type OnGatewayConnection, type OnGatewayDisconnect, type OnGatewayInit, SubscribeMessage } from '@nestjs/websockets';
import { AppConfig } from '../config/app-config.js';
import { type Ack, ok } from '../common/ack.js';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { TokenVerifier } from '../auth/token-verifier.service.js';
import { ConnectionLifecycle } from '../lifecycle/connection-lifecycle.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { actorOf } from '../session/actor.js';
import { SessionService } from '../session/session.service.js';
import { EventDispatcher } from '../socket/event-dispatcher.js';
import { normalizeInbound } from '../socket/inbound-normalizer.js';
import { UserEventsGateway } from '../rate-limit/user-events-gateway.decorator.js';
import type { ClientAckData, UserServer, UserSocket } from '../socket/events.js';
import { SocketServerRef } from '../socket/socket-server.ref.js';
import { AuthRefreshDto } from './dto/auth-refresh.dto.js';
import { HandshakeAuth } from './handshake-auth.js';
import { IdleTimeout } from './idle-timeout.js';
import { RecoveryService } from '../recovery/recovery.service.js';
import { InFlight } from '../lifecycle/in-flight.js';
import { TokenExpiry } from './token-expiry.js';

/** The `/` namespace: authenticated user sockets (docs/protocol.md §2). */
@UserEventsGateway()
export class UserGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(UserGateway.name);

  constructor(
    private readonly config: AppConfig,
    private readonly handshake: HandshakeAuth,
    private readonly verifier: TokenVerifier,
    private readonly sessions: SessionService,
    private readonly expiry: TokenExpiry,
    private readonly metrics: MetricsService,
    private readonly serverRef: SocketServerRef,
    private readonly dispatcher: EventDispatcher,
    private readonly idle: IdleTimeout,
    private readonly connections: ConnectionLifecycle,
    private readonly recovery: RecoveryService,
    private readonly inFlight: InFlight,
  ) {}

  afterInit(server: UserServer): void {
    this.serverRef.set(server);
    server.use(this.handshake.middleware);
    this.dispatcher.observe('/', this.onEvent);
    this.dispatcher.normalizeWith('/', normalizeInbound);
  }

  /**
   * Every client event, known or not, before it is routed (one function for all sockets). Only
   * known events count as activity: unknown ones are no keep-alive (docs/protocol.md §2.3).
   */
  private readonly onEvent = (socket: UserSocket, event: string, known: boolean): void => {
    if (!known) return this.metrics.unknownEvents.inc();
    this.idle.touch(socket);
    this.metrics.eventsReceived.inc({ event });
  };

  async handleConnection(socket: UserSocket): Promise<void> {
    this.metrics.socketOpened();
    this.idle.start(socket);
    this.expiry.arm(socket);
    if (!(await this.connections.connected(actorOf(socket)))) return;
    if (!socket.connected) return;
    // Rooms joined and registered: the recovery record is stored, or what was missed replayed,
    // right after `connected` (the first packet, which carries the socket's position).
    try {
      await this.recovery.connected(socket, () => {
        const { userId, sessionId } = socket.data;
        socket.emit('connected', { userId, sessionId, socketId: socket.id, serverTime: new Date().toISOString() });
      });
    } catch (err) {
      // A store read that failed or came too late (Redis away or swamped). Nothing awaits this
      // handler: thrown, it would be an unhandled rejection that ends the process. The client
      // was not told `connected`; it comes back and recovers then.
      this.logger.warn({ reason: (err as Error).message }, 'Could not finish a connection (its recovery or position); its transport was closed');
      socket.conn.close();
    }
  }

  async handleDisconnect(socket: UserSocket): Promise<void> {
    this.metrics.socketClosed();
    this.expiry.clear(socket);
    this.idle.clear(socket);
    if (!socket.data.userId) return;
    // First, so that its history is kept from before the socket stops counting as live; tracked
    // like the lifecycle's own cleanup, so a draining node writes the record before it exits.
    // Nothing awaits this handler's promise: a failure (Redis away) is logged here, or it would be
    // an unhandled rejection that ends the process (docs/reliability.md, Redis outages).
    const departed = this.inFlight.track(
      this.recovery.departed(socket).catch((err: Error) => this.logger.warn({ reason: err.message }, 'Could not store the recovery record of a departed socket')),
    );
    await Promise.all([departed, this.connections.disconnected(actorOf(socket))]);
  }

  /**
   * docs/protocol.md §2.2: same user; with `single` the same session; a token naming no session refreshes the
   * socket's own. The session must be live (a revoked session's token would otherwise lend the
   * socket its roles). Nothing on the socket changes unless the refresh is accepted.
   */
  @SubscribeMessage('auth:refresh')
  async refresh(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: AuthRefreshDto): Promise<Ack<ClientAckData<'auth:refresh'>>> {
    const next = this.verifier.verify(dto.token);
    const { userId, sessionId } = socket.data;
    if (next.userId !== userId) {
      throw new AppError(ErrorCode.FORBIDDEN, 'Refresh token belongs to another user');
    }
    const tokenSession = next.hasSessionClaim ? next.sessionId : sessionId;
    if (this.config.session.policy === 'single' && tokenSession !== sessionId) {
      throw new AppError(ErrorCode.FORBIDDEN, 'Refresh token belongs to another session');
    }
    const sessions = [...new Set([sessionId, tokenSession])];
    const revoked = await Promise.all(sessions.map((s) => this.sessions.isRevoked(userId, s)));
    if (revoked.some(Boolean)) throw new AppError(ErrorCode.SESSION_REVOKED, 'Session revoked');
    socket.data.expiresAt = next.expiresAt;
    socket.data.roles = next.roles;
    this.expiry.arm(socket);
    return ok({ expiresAt: next.expiresAt ? new Date(next.expiresAt).toISOString() : null });
  }
}
