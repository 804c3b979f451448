import { Adapter, type BroadcastOptions, type PrivateSessionId, type Room, type Session } from 'socket.io-adapter';

import { PacketRing } from './packet-ring.js';

const EVENT_PACKET = 2;
/** Label of a packet sent to one room (the usual case): `1` + the room name. */
const ONE_ROOM = '1';
/** Label of any other target: `2` + JSON `[rooms, excepts]` (no rooms: every socket). */
const ROOM_SETS = '2';

interface Packet {
  type: number;
  data: unknown[];
  id?: number;
  nsp?: string;
}

interface PersistedSession {
  sid: string;
  pid: PrivateSessionId;
  rooms: Room[];
  data: unknown;
  disconnectedAt: number;
}

interface EncodeHook {
  _encode(packet: Packet, opts: Record<string, unknown>): unknown[];
}

/**
 * The memory engine's connection-state recovery with a bounded packet buffer (docs/protocol.md §4.8).
 *
 * Socket.IO's SessionAwareAdapter keeps every packet emitted during `maxDisconnectionDuration`,
 * so its memory grows with message rate × window. This adapter keeps the packets as the text
 * already encoded for the clients (no second serialisation) in a `PacketRing`: one byte buffer
 * outside the JS heap, at most `maxBytes`, oldest dropped first whatever the rate, and no heap
 * object per packet for the garbage collector to promote and later collect. A socket whose
 * offset fell out of the buffer gets a fresh connection (`recovered: false`) instead of its
 * missed packets. Offsets are `<epoch>.<seq>`, so finding where a session resumes is
 * arithmetic, not a scan.
 */
export function boundedRecoveryAdapter(maxBytes: number): typeof Adapter {
  return class BoundedRecoveryAdapter extends Adapter {
    private readonly windowMs: number = this.nsp.server.opts.connectionStateRecovery.maxDisconnectionDuration;
    private readonly epoch = Date.now().toString(36);
    private readonly prefixLength = this.nsp.name === '/' ? 1 : this.nsp.name.length + 2;
    private readonly sessions = new Map<PrivateSessionId, PersistedSession>();
    private readonly ring = new PacketRing(maxBytes, this.windowMs);
    /** Packets with binary attachments (rare) stay as objects, counted against the ring's bound. */
    private readonly binary = new Map<number, unknown[]>();
    private lastEncoded?: unknown[];

    /** Bytes the kept packets take (at most `maxBytes`). */
    get bytes(): number {
      return this.ring.size;
    }

    override broadcast(packet: Packet, opts: BroadcastOptions): void {
      const storable = packet.type === EVENT_PACKET && packet.id === undefined && opts.flags?.volatile === undefined;
      if (!storable) return super.broadcast(packet, opts);
      packet.data.push(`${this.epoch}.${this.ring.nextSeq}`);
      this.lastEncoded = undefined;
      super.broadcast(packet, opts);
      this.store(packet.data, opts);
    }

    override persistSession(session: Omit<PersistedSession, 'disconnectedAt'>): void {
      const now = Date.now();
      this.sessions.delete(session.pid);
      this.sessions.set(session.pid, { ...session, disconnectedAt: now });
      this.dropExpiredSessions(now);
    }

    override restoreSession(pid: PrivateSessionId, offset: string): Promise<Session> {
      const now = Date.now();
      this.dropExpiredSessions(now);
      this.ring.dropOlderThan(now - this.windowMs);
      const session = this.sessions.get(pid);
      const from = this.seqAfter(offset);
      if (!session || from === undefined) return Promise.resolve(null as unknown as Session);
      const missedPackets: unknown[][] = [];
      for (const { seq, label, text } of this.ring.from(from)) {
        if (!addressedTo(session.rooms, label)) continue;
        const binary = this.binary.get(seq);
        missedPackets.push(binary ?? (JSON.parse(text.slice(this.prefixLength)) as unknown[]));
      }
      const { disconnectedAt: _, ...restored } = session;
      return Promise.resolve({ ...restored, missedPackets });
    }

    /** The sequence number right after the packet `offset` names, if that packet is still kept. */
    private seqAfter(offset: string): number | undefined {
      const dot = offset.lastIndexOf('.');
      if (dot < 0 || offset.slice(0, dot) !== this.epoch) return undefined;
      const seq = Number(offset.slice(dot + 1));
      if (!Number.isInteger(seq) || seq < this.ring.firstSeq || seq >= this.ring.nextSeq) return undefined;
      return seq + 1;
    }

    private store(data: unknown[], opts: BroadcastOptions): void {
      const encoded = this.lastEncoded;
      const rooms = opts.rooms;
      const except = opts.except;
      const label =
        rooms.size === 1 && !except?.size
          ? ONE_ROOM + (rooms.values().next().value as Room)
          : ROOM_SETS + JSON.stringify([[...rooms], [...(except ?? [])]]);
      if (encoded?.length === 1 && typeof encoded[0] === 'string') {
        this.ring.push(label, encoded[0], Date.now());
        if (this.binary.size > 0) this.dropEvictedBinary();
        return;
      }
      const seq = this.ring.push(label, '', Date.now(), binarySize(encoded ?? data));
      this.binary.set(seq, data);
      this.dropEvictedBinary();
    }

    private dropEvictedBinary(): void {
      for (const seq of this.binary.keys()) {
        if (seq >= this.ring.firstSeq) break;
        this.binary.delete(seq);
      }
    }

    /** Sessions are kept in disconnect order, so expired ones are at the front. */
    private dropExpiredSessions(now: number): void {
      for (const [pid, s] of this.sessions) {
        if (s.disconnectedAt + this.windowMs >= now) break;
        this.sessions.delete(pid);
      }
    }

    static {
      // Keep what the in-memory adapter encodes for the clients, to store exactly that text.
      const proto = Adapter.prototype as unknown as EncodeHook;
      const encode = proto._encode;
      if (typeof encode === 'function') {
        (BoundedRecoveryAdapter.prototype as unknown as EncodeHook)._encode = function (this: BoundedRecoveryAdapter, packet, opts) {
          const out = encode.call(this, packet, opts);
          (this as unknown as { lastEncoded?: unknown[] }).lastEncoded = out;
          return out;
        };
      }
    }
  };
}

/** Whether a kept packet was addressed to a session that was in `sessionRooms`. */
function addressedTo(sessionRooms: Room[], label: string): boolean {
  if (label.startsWith(ONE_ROOM)) return sessionRooms.includes(label.slice(1));
  const [rooms, excepts] = JSON.parse(label.slice(1)) as [Room[], Room[]];
  const included = rooms.length === 0 || sessionRooms.some((room) => rooms.includes(room));
  return included && !sessionRooms.some((room) => excepts.includes(room));
}

/** What a packet with attachments weighs: its text part and its buffers. */
function binarySize(parts: unknown[]): number {
  let size = 0;
  for (const part of parts) {
    if (typeof part === 'string') size += part.length;
    else if (ArrayBuffer.isView(part) || part instanceof ArrayBuffer) size += part.byteLength;
    else size += JSON.stringify(part)?.length ?? 0;
  }
  return size;
}
