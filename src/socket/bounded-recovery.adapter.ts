import { Adapter, type BroadcastOptions, type PrivateSessionId, type Room, type Session } from 'socket.io-adapter';

const EVENT_PACKET = 2;
/** What a stored packet costs besides its encoded text (record, id, references), counted against the bound. */
const RECORD_OVERHEAD_BYTES = 96;

interface Packet {
  type: number;
  data: unknown[];
  id?: number;
  nsp?: string;
}

interface StoredPacket {
  seq: number;
  rooms: Set<Room>;
  except?: Set<Room>;
  /** The packet as written to clients (`2[...]`, or `2/nsp,[...]`), parsed back on restore. */
  encoded?: string;
  /** Binary packets keep their data (rare: the gateway's events are JSON). */
  data?: unknown[];
  bytes: number;
  emittedAt: number;
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
 * The memory engine's connection-state recovery with a bounded packet buffer (SPEC §4.8).
 *
 * Socket.IO's SessionAwareAdapter keeps every packet emitted during `maxDisconnectionDuration`,
 * so its memory grows with message rate × window. This adapter keeps the packets as the text
 * already encoded for the clients (no second serialisation) and drops the oldest once their
 * total passes `maxBytes`, whatever the rate: a socket whose offset fell out of the buffer gets
 * a fresh connection (`recovered: false`) instead of its missed packets. Offsets are
 * `<epoch>.<seq>`, so finding where a session resumes is arithmetic, not a scan.
 */
export function boundedRecoveryAdapter(maxBytes: number): typeof Adapter {
  return class BoundedRecoveryAdapter extends Adapter {
    private readonly windowMs: number = this.nsp.server.opts.connectionStateRecovery.maxDisconnectionDuration;
    private readonly epoch = Date.now().toString(36);
    private readonly prefixLength = this.nsp.name === '/' ? 1 : this.nsp.name.length + 2;
    private readonly sessions = new Map<PrivateSessionId, PersistedSession>();
    private packets: StoredPacket[] = [];
    /** Index in `packets` of the oldest kept packet (the array is compacted now and then). */
    private head = 0;
    private nextSeq = 0;
    private bytes = 0;
    private lastEncoded?: unknown[];

    override broadcast(packet: Packet, opts: BroadcastOptions): void {
      const storable = packet.type === EVENT_PACKET && packet.id === undefined && opts.flags?.volatile === undefined;
      if (!storable) return super.broadcast(packet, opts);
      const seq = this.nextSeq++;
      packet.data.push(`${this.epoch}.${seq}`);
      this.lastEncoded = undefined;
      super.broadcast(packet, opts);
      this.store(seq, packet.data, opts);
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
      const session = this.sessions.get(pid);
      const from = this.indexAfter(offset);
      if (!session || from === undefined) return Promise.resolve(null as unknown as Session);
      const missedPackets: unknown[][] = [];
      for (let i = from; i < this.packets.length; i++) {
        const p = this.packets[i];
        if (addressedTo(session.rooms, p)) missedPackets.push(p.data ?? (JSON.parse((p.encoded as string).slice(this.prefixLength)) as unknown[]));
      }
      const { disconnectedAt: _, ...restored } = session;
      return Promise.resolve({ ...restored, missedPackets });
    }

    /** The position right after the packet `offset` names, if that packet is still kept. */
    private indexAfter(offset: string): number | undefined {
      const dot = offset.lastIndexOf('.');
      if (dot < 0 || offset.slice(0, dot) !== this.epoch) return undefined;
      const seq = Number(offset.slice(dot + 1));
      const oldest = this.packets[this.head];
      if (!Number.isInteger(seq) || oldest === undefined || seq < oldest.seq || seq >= this.nextSeq) return undefined;
      return this.head + (seq - oldest.seq) + 1;
    }

    private store(seq: number, data: unknown[], opts: BroadcastOptions): void {
      const encoded = this.lastEncoded;
      const text = encoded?.length === 1 && typeof encoded[0] === 'string' ? encoded[0] : undefined;
      const bytes = RECORD_OVERHEAD_BYTES + (text !== undefined ? text.length : JSON.stringify(data).length);
      const now = Date.now();
      this.packets.push({
        seq,
        rooms: opts.rooms,
        except: opts.except,
        ...(text !== undefined ? { encoded: text } : { data }),
        bytes,
        emittedAt: now,
      });
      this.bytes += bytes;
      this.evict(now);
    }

    /** Oldest first: over the byte bound, or older than the recovery window. */
    private evict(now: number): void {
      const threshold = now - this.windowMs;
      while (this.head < this.packets.length - 1) {
        const oldest = this.packets[this.head];
        if (this.bytes <= maxBytes && oldest.emittedAt >= threshold) break;
        this.bytes -= oldest.bytes;
        this.packets[this.head] = undefined as unknown as StoredPacket;
        this.head++;
      }
      if (this.head > 1024 && this.head * 2 > this.packets.length) {
        this.packets = this.packets.slice(this.head);
        this.head = 0;
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

function addressedTo(sessionRooms: Room[], p: StoredPacket): boolean {
  const included = p.rooms.size === 0 || sessionRooms.some((room) => p.rooms.has(room));
  return included && !sessionRooms.some((room) => p.except?.has(room));
}
