import { Injectable, Logger } from '@nestjs/common';
import { CallService } from '../call/call.service.js';
import { ChatService } from '../chat/chat.service.js';
import { DeliveryService } from '../delivery/delivery.service.js';
import { PresenceService } from '../presence/presence.service.js';
import type { Actor } from '../session/actor.js';
import { SessionService } from '../session/session.service.js';
import { Rooms } from '../socket/rooms.js';
import { InFlight } from './in-flight.js';

/**
 * What a user connection's arrival and departure mean for the features, in one place: its rooms
 * (user, session, chats), the revocation race, presence, calls. Departures are tracked by
 * InFlight, so the shutdown drain waits for them.
 */
@Injectable()
export class ConnectionLifecycle {
  private readonly logger = new Logger(ConnectionLifecycle.name);
  /** Connections still arriving, and those among them that already left. */
  private readonly arriving = new Map<string, { left: boolean }>();

  constructor(
    private readonly delivery: DeliveryService,
    private readonly chats: ChatService,
    private readonly sessions: SessionService,
    private readonly presence: PresenceService,
    private readonly calls: CallService,
    private readonly inFlight: InFlight,
  ) {}

  /**
   * Joins the connection's rooms and announces it. Returns false when its session was revoked
   * meanwhile (the connection is logged out, nothing announced).
   */
  async connected(actor: Actor): Promise<boolean> {
    const { userId, sessionId, socketId } = actor;
    const state = { left: false };
    this.arriving.set(socketId, state);
    try {
      await this.delivery.join(socketId, [Rooms.user(userId), Rooms.session(userId, sessionId), ...actor.chats.map(Rooms.chat)]);
      // Chats the backend registered for this user (the token's `chats` claim is joined above).
      const stored = await this.chats.chatsOf(userId);
      if (stored.length > 0) await this.delivery.join(socketId, stored.map(Rooms.chat));
      // A replacement may have landed between admit and join; its broadcast missed this socket.
      if (await this.sessions.isRevoked(userId, sessionId)) {
        this.sessions.logoutSocket(socketId, 'session_replaced');
        return false;
      }
      await this.presence.connected(userId, socketId);
      if (state.left) await this.presence.disconnected(userId, socketId);
    } catch (err) {
      this.logger.warn({ reason: (err as Error).message }, 'Could not register socket in the engine store');
    } finally {
      this.arriving.delete(socketId);
    }
    return true;
  }

  /** The connection left: presence and the calls it held, tracked for the shutdown drain. */
  async disconnected(actor: Actor): Promise<void> {
    const arriving = this.arriving.get(actor.socketId);
    if (arriving) arriving.left = true;
    await this.inFlight.track(
      Promise.all([
        this.presence.disconnected(actor.userId, actor.socketId).catch((err: Error) => {
          this.logger.warn({ reason: err.message }, 'Could not unregister socket from the engine store');
        }),
        this.calls.socketGone(actor),
      ]).then(() => undefined),
    );
  }
}
