import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { EngineHealth } from '../engine/engine-health.js';
import { NodeBus } from '../engine/node-bus.js';
import { SessionStore, type SessionRules } from '../engine/session.store.js';
import type { LogoutReason } from '../socket/events.js';
import { emitThenDisconnect } from '../socket/emit-then-disconnect.js';
import { Rooms } from '../socket/rooms.js';
import { SocketServerRef } from '../socket/socket-server.ref.js';
import { DEFAULT_KICK_REASON } from './dto/kick.dto.js';

/** A logout every node applies to its own sockets in one step. */
export interface LogoutOrder {
  rooms: string[];
  except: string[];
  reason: LogoutReason;
}

declare module '../engine/node-bus.js' {
  interface NodeTopics {
    'session:logout': LogoutOrder;
  }
}

/**
 * Session rules of docs/protocol.md §3 and the one implementation of force-logout and kick. State changes
 * are single store calls (Lua with Redis). A logout is one order every node applies to its own
 * sockets (emit `auth:logout` then disconnect, in one step): two separate adapter broadcasts
 * (emit, then disconnectSockets) let a socket that joins its rooms between them be dropped
 * without the logout.
 */
@Injectable()
export class SessionService implements OnApplicationBootstrap {
  private readonly logger = new Logger(SessionService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly store: SessionStore,
    private readonly sockets: SocketServerRef,
    private readonly nodes: NodeBus,
    private readonly engine: EngineHealth,
  ) {}

  /** Applies the other nodes' logout orders; claims this node's live sessions again after a store loss. */
  onApplicationBootstrap(): void {
    this.nodes.on('session:logout', (order) => this.applyLocally(order));
    this.engine.onReconnect(() => {
      this.reclaimLive().catch((err: Error) => this.logger.warn({ reason: err.message }, 'Could not claim the live sessions again'));
    });
  }

  /**
   * The store is back, perhaps empty (Redis without persistence): every session with a live
   * socket on this node is claimed again, so the policy counts it, a session it supersedes is
   * logged out as at a handshake, and one the store knows as revoked (a logout this node missed
   * while the store was away) is logged out now.
   */
  async reclaimLive(): Promise<void> {
    if (!this.sockets.ready) return;
    const live = new Map<string, { userId: string; sessionId: string }>();
    for (const socket of this.sockets.io.sockets.sockets.values()) {
      const { userId, sessionId } = socket.data;
      if (socket.connected && userId && sessionId) live.set(`${userId}\u0000${sessionId}`, { userId, sessionId });
    }
    let refused = 0;
    for (const { userId, sessionId } of live.values()) {
      try {
        await this.admit(userId, sessionId);
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== ErrorCode.SESSION_REVOKED) {
          this.logger.warn({ reason: (err as Error).message }, 'Could not claim the live sessions again');
          return;
        }
        refused += 1;
        this.logoutSessions(userId, [sessionId], 'session_revoked');
      }
    }
    if (live.size > 0) this.logger.log({ sessions: live.size, refused }, 'Claimed the live sessions of this node again');
  }

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
    this.logout({ rooms: [Rooms.user(userId)], except: [Rooms.session(userId, sessionId)], reason: 'force_logout' });
    this.logger.log({ userId, revokedSessions: revoked.length }, 'Force logout');
    return { revokedSessions: revoked.length };
  }

  /** Logs every socket of the user out; with `invalidateSession` their live sessions cannot reconnect. */
  async kick(userId: string, reason = DEFAULT_KICK_REASON, invalidateSession = false): Promise<{ revokedSessions: number }> {
    const revoked = invalidateSession ? await this.store.revokeLive(userId, this.rules()) : [];
    this.logout({ rooms: [Rooms.user(userId)], except: [], reason });
    this.logger.log({ userId, invalidateSession, revokedSessions: revoked.length }, 'Kick');
    return { revokedSessions: revoked.length };
  }

  logoutSessions(userId: string, sessionIds: string[], reason: LogoutReason): void {
    this.logout({ rooms: sessionIds.map((s) => Rooms.session(userId, s)), except: [], reason });
  }

  /** `auth:logout` then disconnect the connection `socketId` of this node (once; gone: nothing). */
  logoutSocket(socketId: string, reason: LogoutReason): void {
    const socket = this.sockets.io.sockets.sockets.get(socketId);
    if (socket) emitThenDisconnect(socket, 'auth:logout', { reason });
  }

  /** This node applies the order at once; every other node when it hears it. */
  private logout(order: LogoutOrder): void {
    this.applyLocally(order);
    this.nodes.toAll('session:logout', order).catch((err: Error) => {
      this.logger.warn({ reason: err.message }, 'Could not send a logout order to the other nodes');
    });
  }

  private applyLocally({ rooms, except, reason }: LogoutOrder): void {
    if (!Array.isArray(rooms) || !Array.isArray(except)) return;
    for (const socket of this.sockets.localSocketsIn(rooms, except)) emitThenDisconnect(socket, 'auth:logout', { reason });
  }
}
