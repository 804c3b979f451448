import { Logger } from '@nestjs/common';
import { ConnectedSocket, MessageBody, type OnGatewayConnection, type OnGatewayDisconnect, type OnGatewayInit, SubscribeMessage } from '@nestjs/websockets';
import { AppConfig } from '../config/app-config.js';
import { type Ack, ok } from '../common/ack.js';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { TokenVerifier } from '../auth/token-verifier.service.js';
import { ChatService } from '../chat/chat.service.js';
import { PresenceService } from '../presence/presence.service.js';
import { InFlight } from '../lifecycle/in-flight.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { SessionService } from '../session/session.service.js';
import { EventDispatcher } from '../socket/event-dispatcher.js';
import { normalizeInbound } from '../socket/inbound-normalizer.js';
import { UserEventsGateway } from '../socket/user-events-gateway.decorator.js';
import type { ClientAckData, UserServer, UserSocket } from '../socket/events.js';
import { Rooms } from '../socket/rooms.js';
import { SocketServerRef } from '../socket/socket-server.ref.js';
import { AuthRefreshDto } from './dto/auth-refresh.dto.js';
import { HandshakeAuth } from './handshake-auth.js';
import { IdleTimeout } from './idle-timeout.js';
import { TokenExpiry } from './token-expiry.js';

/** The `/` namespace: authenticated user sockets (SPEC §2). */
@UserEventsGateway()
export class UserGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(UserGateway.name);
  private readonly closed = new WeakSet<UserSocket>();

  constructor(
    private readonly config: AppConfig,
    private readonly handshake: HandshakeAuth,
    private readonly verifier: TokenVerifier,
    private readonly sessions: SessionService,
    private readonly presence: PresenceService,
    private readonly expiry: TokenExpiry,
    private readonly metrics: MetricsService,
    private readonly serverRef: SocketServerRef,
    private readonly dispatcher: EventDispatcher,
    private readonly inFlight: InFlight,
    private readonly idle: IdleTimeout,
    private readonly chats: ChatService,
  ) {}

  afterInit(server: UserServer): void {
    this.serverRef.set(server);
    server.use(this.handshake.middleware);
    this.dispatcher.observe('/', this.onEvent);
    this.dispatcher.normalizeWith('/', normalizeInbound);
  }

  /** Every client event, known or not, before it is routed (one function for all sockets). */
  private readonly onEvent = (socket: UserSocket, event: string, known: boolean): void => {
    this.idle.touch(socket);
    if (known) this.metrics.eventsReceived.inc({ event });
    else this.metrics.unknownEvents.inc();
  };

  async handleConnection(socket: UserSocket): Promise<void> {
    const { userId, sessionId, chats } = socket.data;
    this.metrics.socketOpened();
    this.idle.start(socket);
    this.expiry.arm(socket);
    await socket.join([Rooms.user(userId), Rooms.session(userId, sessionId), ...chats.map(Rooms.chat)]);

    try {
      // Chats the backend registered for this user (the token's `chats` claim is joined above).
      const stored = await this.chats.chatsOf(userId);
      if (stored.length > 0) await socket.join(stored.map(Rooms.chat));
      // A replacement may have landed between admit and join; its broadcast missed this socket.
      if (await this.sessions.isRevoked(userId, sessionId)) {
        this.sessions.logoutSocket(socket.id, 'session_replaced');
        return;
      }
      await this.presence.connected(userId, socket.id);
      if (this.closed.has(socket)) await this.presence.disconnected(userId, socket.id);
    } catch (err) {
      this.logger.warn({ reason: (err as Error).message }, 'Could not register socket in the engine store');
    }
    if (socket.connected) {
      socket.emit('connected', { userId, sessionId, socketId: socket.id, serverTime: new Date().toISOString() });
    }
  }

  async handleDisconnect(socket: UserSocket): Promise<void> {
    this.closed.add(socket);
    this.metrics.socketClosed();
    this.expiry.clear(socket);
    this.idle.clear(socket);
    if (!socket.data.userId) return;
    await this.inFlight.track(
      this.presence.disconnected(socket.data.userId, socket.id).catch((err: Error) => {
        this.logger.warn({ reason: err.message }, 'Could not unregister socket from the engine store');
      }),
    );
  }

  /**
   * SPEC §2.2: same user; with `single` the same session; a token naming no session refreshes the
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
