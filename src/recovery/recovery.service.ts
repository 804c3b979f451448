import { randomBytes } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import type { PrivateSessionId, Session, SocketId } from 'socket.io-adapter';
import { ChatService } from '../chat/chat.service.js';
import type { RecoveryHooks } from '../cluster/gateway.adapter.js';
import { type DeliverySocket, POSITION } from '../cluster/local-delivery.js';
import { parseOffset } from '../cluster/offsets.js';
import { Semaphore } from '../common/semaphore.js';
import { AppConfig } from '../config/app-config.js';
import { Broker, type Position } from '../engine/broker.js';
import { EngineHealth } from '../engine/engine-health.js';
import { RecoveryStore, type RecoveryRecord } from '../engine/recovery.store.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { PresenceVisibility } from '../presence/presence-visibility.js';
import type { UserSocket, UserSocketData } from '../socket/events.js';
import { Rooms } from '../socket/rooms.js';
import { SocketServerRef } from '../socket/socket-server.ref.js';
import { NodeQuestions } from './node-questions.js';
import { dropHeld, hold, isHeld, replay } from './replay.js';

/** Publications one replay may carry; past it the socket reconnects unrecovered (`recovered: false`). */
export const MAX_REPLAY = 1000;
/** Restores (claim, history reads, replay) running at once on a node; the others wait their turn. */
export const MAX_CONCURRENT_RESTORES = 64;
/** How long a restored socket may take to pass the handshake and connect before its plan is dropped. */
const PLAN_TTL_MS = 30_000;
/** Claims tried while the old node is still writing the record. */
const CLAIM_ATTEMPTS = 3;
/** A live socket's record outlives it by this much if its node dies without saying so (then the node's heartbeat tells). */
const LIVE_RECORD_TTL_MS = 24 * 60 * 60 * 1000;

/** A restore in progress: from `restore` (before the middleware) to the end of its replay. */
interface Plan {
  /** The socket id it is filed under (temporary until admitted). */
  key: string;
  pid: string;
  record: RecoveryRecord;
  after: Position;
  release?: () => void;
  timer: NodeJS.Timeout;
}

const newId = () => randomBytes(15).toString('base64url');

/**
 * Connection-state recovery (docs/protocol.md §4.8) on both engines, in one place. Socket.IO's
 * hooks call in through the adapter (`restore`, `recoverable`, `roomsChanged`); the handshake
 * middleware calls `admit`; the user gateway `connected` and `departed`.
 *
 * - A socket's record (user, session, id, rooms) is stored when it connects and when its rooms
 *   change, so it can be recovered on any node even when its node crashed.
 * - A restore is only a plan until the middleware has authenticated the socket: the same user
 *   and session take the record (one claim wins), anyone else gets a fresh connection and the
 *   record stays as it was. A recovery id whose socket is still connected restores nothing.
 * - The missed publications are read from the histories of the socket's rooms (recomputed from
 *   the current memberships) after the socket is registered where publications find it, while
 *   its live ones are held; then both go out in clock order, each once.
 */
@Injectable()
export class RecoveryService implements RecoveryHooks, OnApplicationBootstrap {
  private readonly logger = new Logger(RecoveryService.name);
  private readonly plans = new Map<SocketId, Plan>();
  private readonly recoverableIds = new Set<SocketId>();
  private readonly dirty = new Set<SocketId>();
  private readonly tracked = new Set<SocketId>();
  private readonly restores = new Semaphore(MAX_CONCURRENT_RESTORES);
  private flushScheduled = false;

  constructor(
    private readonly config: AppConfig,
    private readonly store: RecoveryStore,
    private readonly broker: Broker,
    private readonly questions: NodeQuestions,
    private readonly sockets: SocketServerRef,
    private readonly chats: ChatService,
    private readonly visibility: PresenceVisibility,
    private readonly metrics: MetricsService,
    private readonly engine: EngineHealth,
  ) {}

  private get enabled(): boolean {
    return this.config.recoveryWindowMs > 0;
  }

  onApplicationBootstrap(): void {
    // The node's channel was down: what it missed is in the histories. Redis may have come back
    // empty: the records of the live sockets are written again.
    this.broker.onResume(() => void this.catchUpAll());
    this.engine.onReconnect(() => void this.saveAll());
  }

  // ---- Socket.IO's hooks (the adapter of `/`) --------------------------------------------------

  async restore(nsp: Namespace, pid: PrivateSessionId, offset: string): Promise<Session | null> {
    if (!this.enabled) return null;
    const at = parseOffset(offset);
    if (at === undefined) return null;
    const record = await this.store.get(pid);
    if (!record || !(await this.away(nsp, record))) return null;
    // Until the middleware has admitted it, the socket wears a temporary id: a refused handshake
    // never holds (nor, on cleanup, removes) the id of a socket that may be live.
    const tempId = newId();
    const plan: Plan = { key: tempId, pid, record, after: at, timer: setTimeout(() => this.dropPlan(plan.key), PLAN_TTL_MS) };
    plan.timer.unref();
    this.plans.set(tempId, plan);
    const data: Partial<UserSocketData> = { userId: record.userId, sessionId: record.sessionId };
    return { sid: tempId, pid, rooms: [], data, missedPackets: [] };
  }

  recoverable(socketId: SocketId): void {
    if (this.enabled) this.recoverableIds.add(socketId);
  }

  roomsChanged(socketId: SocketId): void {
    if (!this.enabled || !this.tracked.has(socketId)) return;
    this.dirty.add(socketId);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => void this.flushDirty());
  }

  // ---- The handshake middleware ------------------------------------------------------------------

  /**
   * After the middleware has authenticated a restored socket (`restored`: the identity its
   * record names). The same user and session claim the record and keep the socket's old id;
   * anything else, or a record that is gone, taken or too far behind, gives a fresh connection.
   */
  async admit(socket: UserSocket, restored: Partial<UserSocketData> | undefined): Promise<void> {
    if (!socket.recovered) return;
    const plan = this.plans.get(socket.id);
    const { userId, sessionId } = socket.data;
    if (!plan || restored?.userId !== userId || restored?.sessionId !== sessionId || plan.record.userId !== userId) {
      if (plan) this.dropPlan(socket.id);
      this.fresh(socket);
      return;
    }
    const nsp = socket.nsp as unknown as { sockets: Map<string, unknown>; _preConnectSockets: Map<string, unknown> };
    if (nsp.sockets.has(plan.record.sid) || nsp._preConnectSockets.has(plan.record.sid)) {
      this.dropPlan(socket.id);
      this.fresh(socket);
      return;
    }
    plan.release = await this.restores.acquire();
    try {
      const claimed = await this.claim(socket, plan);
      const read = claimed ? await this.broker.history(await this.roomsFor(plan.record, socket.data), plan.after, MAX_REPLAY) : undefined;
      if (!read?.ok) {
        if (claimed) await this.store.remove(plan.pid);
        this.metrics.recoveries.inc({ outcome: read ? read.reason : 'taken' });
        this.dropPlan(socket.id);
        this.fresh(socket);
        return;
      }
    } catch (err) {
      this.dropPlan(socket.id);
      throw err;
    }
    // The socket gets its old id back, and from the moment it is connected its live
    // publications wait for the replay.
    this.rename(socket, plan.record.sid, plan);
    hold(socket);
  }

  /**
   * Takes the record for this node. Its old node may write "gone" between our read and our claim
   * (it is still cleaning up): then the record is read again and, still away and the same
   * socket's, claimed at its new version.
   */
  private async claim(socket: UserSocket, plan: Plan): Promise<boolean> {
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      if (await this.store.claim(plan.pid, plan.record.version, this.config.nodeId, LIVE_RECORD_TTL_MS)) return true;
      const again = await this.store.get(plan.pid);
      if (!again || again.sid !== plan.record.sid || again.userId !== plan.record.userId || again.sessionId !== plan.record.sessionId) return false;
      if (!(await this.away(socket.nsp, again))) return false;
      plan.record = again;
    }
    return false;
  }

  /** The handshake was refused: a restore planned for it is dropped, its record untouched. */
  refused(socket: UserSocket): void {
    this.dropPlan(socket.id);
  }

  // ---- The user gateway ----------------------------------------------------------------------

  /**
   * The socket is connected, in its rooms and registered where publications find it. A fresh
   * socket's record is stored and its position set; a restored one gets what it missed. When a
   * store read fails this throws, and the caller closes the transport (the client comes back).
   * `announce` sends `connected`: for a fresh socket as soon as its position is known (it is the
   * first packet, and carries the position), for a restored one after the missed publications.
   */
  async connected(socket: UserSocket, announce: () => void): Promise<void> {
    if (!this.enabled) return announce();
    const plan = this.plans.get(socket.id);
    if (!plan) {
      if (isHeld(socket)) {
        // Restored, but its plan lapsed before it got here: nothing can replay it now, and held
        // it would never get a live publication. It comes back once more.
        dropHeld(socket);
        socket.conn.close();
        return;
      }
      const [position] = await Promise.all([this.broker.position(), this.save(socket)]);
      (socket as unknown as DeliverySocket)[POSITION] = position;
      return announce();
    }
    try {
      (socket as unknown as DeliverySocket)[POSITION] = plan.after;
      await this.joinRecorded(socket, plan.record);
      const read = await this.broker.history(this.readRooms(socket), plan.after, MAX_REPLAY);
      // What was missed goes first (as with Socket.IO's own recovery), then `connected`.
      const done = read.ok && (await replay(socket, plan.after, read.entries, announce));
      this.metrics.recoveries.inc({ outcome: done ? 'recovered' : read.ok ? 'abandoned' : read.reason });
      if (!done) {
        // Told `recovered` already: the socket comes back once more, and then fresh.
        dropHeld(socket);
        await this.store.remove(plan.pid);
        socket.conn.close();
        return;
      }
      await this.save(socket);
    } finally {
      this.dropPlan(socket.id);
    }
  }

  /** The socket left: recoverable reasons keep its record for the window, others drop it. */
  async departed(socket: UserSocket): Promise<void> {
    this.dropPlan(socket.id);
    dropHeld(socket);
    this.dirty.delete(socket.id);
    const wasTracked = this.tracked.delete(socket.id);
    const recoverable = this.recoverableIds.delete(socket.id);
    if (!this.enabled || !wasTracked) return;
    const pid = (socket as unknown as { pid?: string }).pid;
    if (!pid) return;
    if (!recoverable) {
      await this.store.remove(pid);
      return;
    }
    const window = this.config.recoveryWindowMs;
    await Promise.all([this.store.gone(pid, this.config.nodeId, Date.now(), window), this.broker.keepHistory(socket.data.userId, window)]);
  }

  // ---- Internals -----------------------------------------------------------------------------

  /**
   * Whether the record's socket is away (a restore may take it): gone within the window, or live
   * on a node that is gone or says it no longer has it. Never a socket connected here.
   */
  private async away(nsp: Namespace, record: RecoveryRecord): Promise<boolean> {
    const now = Date.now();
    const window = this.config.recoveryWindowMs;
    if (record.state === 'gone') return record.goneAt !== undefined && now - record.goneAt <= window;
    if (record.node === this.config.nodeId) {
      const pre = (nsp as unknown as { _preConnectSockets: Map<string, unknown> })._preConnectSockets;
      return !nsp.sockets.has(record.sid) && !pre.has(record.sid);
    }
    return this.questions.lostBy(record.node, record.sid, now, window);
  }

  /**
   * The rooms a restored socket may have back: its user's and session's, its current chats
   * (stored or the token's), the presence of users it may still see, the status page. Read
   * for the history; the user, session and chat rooms are joined on connect anyway.
   */
  private async roomsFor(record: RecoveryRecord, data: UserSocketData): Promise<string[]> {
    const { userId, sessionId } = data;
    const chats = new Set([...(await this.chats.chatsOf(userId)), ...(data.chats ?? [])]);
    const watched = record.rooms.map((room) => Rooms.presenceOf(room)).filter((u): u is string => u !== undefined);
    const visible = watched.length > 0 ? await this.visibility.visibleTo(userId, watched) : new Set<string>();
    const rooms = new Set([record.sid, Rooms.user(userId), Rooms.session(userId, sessionId), ...[...chats].map(Rooms.chat)]);
    for (const room of record.rooms) {
      const watchedUser = Rooms.presenceOf(room);
      if (watchedUser !== undefined && visible.has(watchedUser)) rooms.add(room);
      if (room === Rooms.status) rooms.add(room);
    }
    return [...rooms];
  }

  /** Joins the recorded rooms that are not rebuilt on connect (presence subscriptions, status page) and still allowed. */
  private async joinRecorded(socket: UserSocket, record: RecoveryRecord): Promise<void> {
    const allowed = await this.roomsFor(record, socket.data);
    const extra = allowed.filter((room) => room === Rooms.status || Rooms.presenceOf(room) !== undefined);
    if (extra.length > 0) await socket.join(extra);
  }

  /** The rooms a connected socket reads history for: all of them (its own id included). */
  private readRooms(socket: UserSocket): string[] {
    return [...socket.rooms];
  }

  private async save(socket: UserSocket): Promise<void> {
    const pid = (socket as unknown as { pid?: string }).pid;
    if (!pid || !socket.connected) return;
    this.tracked.add(socket.id);
    const rooms = [...socket.rooms].filter((room) => room !== socket.id);
    const { userId, sessionId } = socket.data;
    await this.store.save(pid, { sid: socket.id, userId, sessionId, node: this.config.nodeId, rooms }, LIVE_RECORD_TTL_MS);
  }

  private async flushDirty(): Promise<void> {
    this.flushScheduled = false;
    const ids = [...this.dirty];
    this.dirty.clear();
    const nsp = this.sockets.io.sockets;
    await Promise.all(
      ids.map(async (id) => {
        const socket = nsp.sockets.get(id);
        if (!socket || this.plans.has(id)) return;
        try {
          await this.save(socket);
        } catch (err) {
          this.logger.warn({ reason: (err as Error).message }, 'Could not update a recovery record');
        }
      }),
    );
  }

  /** The records of every tracked socket, written again (after the store came back, maybe empty). */
  private async saveAll(): Promise<void> {
    if (!this.enabled || !this.sockets.ready) return;
    for (const socket of this.sockets.io.sockets.sockets.values()) {
      if (!this.tracked.has(socket.id) || this.plans.has(socket.id)) continue;
      try {
        await this.save(socket);
      } catch (err) {
        this.logger.warn({ reason: (err as Error).message }, 'Could not write the recovery records again');
        return;
      }
    }
  }

  /** After this node's channel came back: every connected socket gets what it may have missed. */
  private async catchUpAll(): Promise<void> {
    if (!this.enabled || !this.sockets.ready) return;
    const sockets = [...this.sockets.io.sockets.sockets.values()];
    this.logger.log({ sockets: sockets.length }, 'Catching sockets up after the node channel came back');
    await Promise.all(sockets.map((socket) => this.catchUp(socket)));
  }

  private async catchUp(socket: UserSocket): Promise<void> {
    const after = (socket as unknown as DeliverySocket)[POSITION];
    if (after === undefined || after <= 0 || this.plans.has(socket.id)) return;
    const release = await this.restores.acquire();
    try {
      if (!socket.connected) return;
      hold(socket);
      const read = await this.broker.history(this.readRooms(socket), after, MAX_REPLAY);
      if (!read.ok && read.reason === 'reset') {
        // Redis came back empty: what it held is gone for everyone, and nothing was accepted
        // while it was away. The socket carries on from the new clock.
        const [position] = await Promise.all([this.broker.position(), replay(socket, after, [])]);
        (socket as unknown as DeliverySocket)[POSITION] = position;
        return;
      }
      if (!read.ok || !(await replay(socket, after, read.entries))) {
        // It missed more than can be replayed: a reconnect tells its client (`recovered: false`).
        dropHeld(socket);
        if (socket.connected) socket.conn.close();
      }
    } catch (err) {
      dropHeld(socket);
      this.logger.warn({ reason: (err as Error).message }, 'Could not catch a socket up');
    } finally {
      release();
    }
  }

  private rename(socket: UserSocket, sid: string, plan: Plan): void {
    const nsp = socket.nsp as unknown as { _preConnectSockets: Map<string, UserSocket> };
    nsp._preConnectSockets.delete(socket.id);
    this.plans.delete(socket.id);
    (socket as unknown as { id: string }).id = sid;
    nsp._preConnectSockets.set(sid, socket);
    plan.key = sid;
    this.plans.set(sid, plan);
    // Its record is live here now: leaving writes it gone.
    this.tracked.add(sid);
  }

  /**
   * Turns a restored socket into a new one before it connects: another id and recovery id, no
   * rooms, nothing replayed (`recovered: false` on the client).
   */
  private fresh(socket: UserSocket): void {
    const nsp = socket.nsp as unknown as { _preConnectSockets: Map<string, UserSocket> };
    for (const room of [...socket.rooms]) void socket.leave(room);
    nsp._preConnectSockets.delete(socket.id);
    const s = socket as unknown as { id: string; pid: string; recovered: boolean };
    s.id = newId();
    s.pid = newId();
    s.recovered = false;
    nsp._preConnectSockets.set(s.id, socket);
  }

  private dropPlan(id: SocketId): void {
    const plan = this.plans.get(id);
    if (!plan) return;
    this.plans.delete(id);
    clearTimeout(plan.timer);
    plan.release?.();
  }
}
