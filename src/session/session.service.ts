import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { SessionStore, type SessionRules } from '../engine/session.store.js';
import type { LogoutReason } from '../socket/events.js';
import { Rooms } from '../socket/rooms.js';
import { SocketServerRef } from '../socket/socket-server.ref.js';

/**
 * Session rules of SPEC §3 and the one implementation of force-logout and kick. State changes
 * are single store calls (Lua with Redis); socket effects go through the adapter so they reach
 * every node.
 */
@Injectable()
export class SessionService {
  private readonly logger = new Logger(SessionService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly store: SessionStore,
    private readonly sockets: SocketServerRef,
  ) {}

  private rules(): SessionRules {
    const { policy, maxPerUser, revokeTtlSec } = this.config.session;
    return { policy, maxPerUser, revokeTtlMs: revokeTtlSec * 1000, now: Date.now() };
  }

  /** Admits a connecting session or throws SESSION_REVOKED; superseded sessions are logged out everywhere. */
  async admit(userId: string, sessionId: string): Promise<void> {
    const result = await this.store.claim(userId, sessionId, this.rules());
    if (!result.accepted) throw new AppError(ErrorCode.SESSION_REVOKED, 'Session revoked');
    if (result.revoked.length > 0) {
      const reason = this.config.session.policy === 'single' ? 'session_replaced' : 'session_limit';
      this.logoutSessions(userId, result.revoked, reason);
    }
  }

  isRevoked(userId: string, sessionId: string): Promise<boolean> {
    return this.store.isRevoked(userId, sessionId, Date.now());
  }

  /** `sessionId` becomes the active session; every other session of the user is revoked and logged out. */
  async forceLogout(userId: string, sessionId: string): Promise<{ revokedSessions: number }> {
    const revoked = await this.store.forceActive(userId, sessionId, this.rules());
    const io = this.sockets.io;
    const others = io.to(Rooms.user(userId)).except(Rooms.session(userId, sessionId));
    others.emit('auth:logout', { reason: 'force_logout' });
    io.in(Rooms.user(userId)).except(Rooms.session(userId, sessionId)).disconnectSockets(true);
    this.logger.log({ userId, revokedSessions: revoked.length }, 'Force logout');
    return { revokedSessions: revoked.length };
  }

  /** Logs every socket of the user out; with `invalidateSession` their live sessions cannot reconnect. */
  async kick(userId: string, reason: string, invalidateSession: boolean): Promise<{ revokedSessions: number }> {
    const revoked = invalidateSession ? await this.store.revokeLive(userId, this.rules()) : [];
    const io = this.sockets.io;
    io.to(Rooms.user(userId)).emit('auth:logout', { reason });
    io.in(Rooms.user(userId)).disconnectSockets(true);
    this.logger.log({ userId, invalidateSession, revokedSessions: revoked.length }, 'Kick');
    return { revokedSessions: revoked.length };
  }

  logoutSessions(userId: string, sessionIds: string[], reason: LogoutReason): void {
    const rooms = sessionIds.map((s) => Rooms.session(userId, s));
    const io = this.sockets.io;
    io.to(rooms).emit('auth:logout', { reason });
    io.in(rooms).disconnectSockets(true);
  }
}
