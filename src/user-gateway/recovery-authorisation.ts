import { randomBytes } from 'node:crypto';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { ChatService } from '../chat/chat.service.js';
import { AdapterSessionSync } from '../engine/adapter-session-sync.js';
import { presenceRoom } from '../presence/presence.service.js';
import type { UserSocket, UserSocketData } from '../socket/events.js';
import { SocketServerRef } from '../socket/socket-server.ref.js';

/** What Socket.IO's session-aware adapters (memory and Redis streams) store for a dropped socket. */
interface StoredSession {
  sid: string;
  pid: string;
  rooms: string[];
  data: Partial<UserSocketData>;
  missedPackets: unknown[][];
}

interface SessionAdapter {
  restoreSession(pid: string, offset: string): Promise<StoredSession | null> | null;
  persistSession(session: Omit<StoredSession, 'missedPackets'>): void;
}

interface Held {
  missed: unknown[][];
  /** Chats the stored membership grants the restored user, read at restore time. */
  memberChats: Set<string>;
  timer: NodeJS.Timeout;
}

const CHAT_PREFIX = 'chat:';
const EVENT_PACKET = 2;
/** How long held packets wait for their socket to pass the handshake middleware. */
const HOLD_MS = 10_000;

const newId = () => randomBytes(15).toString('base64url');

/**
 * Connection-state recovery for the same user and live session only (docs/protocol.md §4.8). Socket.IO
 * restores a session's rooms and data from the recovery id the client presents, before any
 * middleware runs. Here:
 * - at restore, chat rooms the stored user no longer belongs to are dropped before the adapter
 *   picks the missed packets, so those rooms' packets are never selected, and the packets are
 *   held back (the memory adapter would write them at once);
 * - once the handshake middleware has authenticated the socket, `admit` compares the identity with
 *   the restored one: another user or another session gets a fresh socket (new id and recovery
 *   id, no rooms, no packets); the same one gets its held packets.
 * The Redis engine's recovery gate (src/socket/recovery-gate.ts) additionally holds the packets
 * it read from the stream until the socket connects; a socket given a fresh id gets none of them.
 */
@Injectable()
export class RecoveryAuthorisation implements OnApplicationBootstrap {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly config: AppConfig,
    private readonly sockets: SocketServerRef,
    private readonly chats: ChatService,
    private readonly adapterSessions: AdapterSessionSync,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.recoveryWindowMs <= 0) return;
    const adapter = this.sockets.io.sockets.adapter as unknown as SessionAdapter;
    const inner = adapter.restoreSession.bind(adapter);
    adapter.restoreSession = async (pid, offset) => {
      let session = (await inner(pid, offset)) ?? null;
      if (!session) return null;
      const memberChats = new Set(typeof session.data?.userId === 'string' ? await this.chats.chatsOf(session.data.userId) : []);
      const { data } = session;
      const rooms = session.rooms.filter((room) => this.mayKeep(room, data, memberChats));
      if (rooms.length < session.rooms.length) {
        // The adapter selects missed packets by the stored rooms: store the allowed ones and restore again.
        adapter.persistSession({ sid: session.sid, pid: session.pid, rooms, data: session.data });
        await this.persisted(session.pid);
        session = (await inner(pid, offset)) ?? null;
        if (!session) return null;
      }
      this.hold(session.sid, session.missedPackets, memberChats);
      session.missedPackets = [];
      return session;
    };
  }

  /**
   * The streams adapter writes a session without returning the write, and reads it back in a
   * MULTI that auto-pipelining may send first: a read of the same key on the same client is
   * queued behind the write.
   */
  private async persisted(pid: string): Promise<void> {
    await this.adapterSessions.written(pid);
  }

  /**
   * Called by the handshake middleware once the socket is authenticated, with the data the
   * recovery restored (before the middleware replaced it).
   */
  admit(socket: UserSocket, restored: Partial<UserSocketData> | undefined): void {
    if (!socket.recovered) return;
    const held = this.take(socket.id);
    const { userId, sessionId, chats } = socket.data;
    if (restored?.userId !== userId || restored?.sessionId !== sessionId || !held) {
      this.fresh(socket);
      return;
    }
    for (const room of [...socket.rooms]) {
      if (!this.mayKeep(room, { userId, chats }, held.memberChats)) void socket.leave(room);
    }
    const send = socket as unknown as { packet(packet: { type: number; data: unknown[] }): void };
    for (const data of held.missed) send.packet({ type: EVENT_PACKET, data });
  }

  /** The handshake was refused: nothing held for it is delivered. */
  refused(socket: UserSocket): void {
    this.take(socket.id);
  }

  /** Chat rooms need a current membership (stored or the token's claim); presence rooms are the user's own. */
  private mayKeep(room: string, data: Partial<UserSocketData>, memberChats: Set<string>): boolean {
    if (room.startsWith(CHAT_PREFIX)) {
      const chatId = room.slice(CHAT_PREFIX.length);
      return memberChats.has(chatId) || (data.chats ?? []).includes(chatId);
    }
    if (room.startsWith(presenceRoom(''))) return data.userId !== undefined && room === presenceRoom(data.userId);
    return true;
  }

  private hold(sid: string, missed: unknown[][], memberChats: Set<string>): void {
    this.take(sid);
    const timer = setTimeout(() => this.held.delete(sid), HOLD_MS);
    timer.unref();
    this.held.set(sid, { missed, memberChats, timer });
  }

  private take(sid: string): Held | undefined {
    const held = this.held.get(sid);
    if (held) {
      clearTimeout(held.timer);
      this.held.delete(sid);
    }
    return held;
  }

  /**
   * Turns a restored socket into a new one before it connects: another id (the old one may be
   * named in call state or rooms), another recovery id, no rooms, no packets.
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
}
