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

/** The rooms of a stored packet: one room as its name (the usual case), several as the Set. */
type Target = string | Set<Room>;

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
    // The buffer as parallel arrays (no record object per packet: less for the GC to promote and
    // later collect). Index i holds packet number `firstSeq + i - head`; `head` is the oldest kept.
    /** The packet as written to clients (`2[...]` or `2/nsp,[...]`); binary packets keep their data. */
    private texts: Array<string | unknown[]> = [];
    private targets: Target[] = [];
    private excepts: Array<Set<Room> | undefined> = [];
    private sizes: number[] = [];
    private times: number[] = [];
    private head = 0;
    private firstSeq = 0;
    private nextSeq = 0;
    private bytes = 0;
    private lastEncoded?: unknown[];

    override broadcast(packet: Packet, opts: BroadcastOptions): void {
      const storable = packet.type === EVENT_PACKET && packet.id === undefined && opts.flags?.volatile === undefined;
      if (!storable) return super.broadcast(packet, opts);
      packet.data.push(`${this.epoch}.${this.nextSeq++}`);
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
      const session = this.sessions.get(pid);
      const from = this.indexAfter(offset);
      if (!session || from === undefined) return Promise.resolve(null as unknown as Session);
      const missedPackets: unknown[][] = [];
      for (let i = from; i < this.texts.length; i++) {
        if (!addressedTo(session.rooms, this.targets[i], this.excepts[i])) continue;
        const text = this.texts[i];
        missedPackets.push(typeof text === 'string' ? (JSON.parse(text.slice(this.prefixLength)) as unknown[]) : text);
      }
      const { disconnectedAt: _, ...restored } = session;
      return Promise.resolve({ ...restored, missedPackets });
    }

    /** The position right after the packet `offset` names, if that packet is still kept. */
    private indexAfter(offset: string): number | undefined {
      const dot = offset.lastIndexOf('.');
      if (dot < 0 || offset.slice(0, dot) !== this.epoch) return undefined;
      const seq = Number(offset.slice(dot + 1));
      if (!Number.isInteger(seq) || this.head === this.texts.length || seq < this.firstSeq || seq >= this.nextSeq) return undefined;
      return this.head + (seq - this.firstSeq) + 1;
    }

    private store(data: unknown[], opts: BroadcastOptions): void {
      const encoded = this.lastEncoded;
      const text = encoded?.length === 1 && typeof encoded[0] === 'string' ? encoded[0] : undefined;
      const size = RECORD_OVERHEAD_BYTES + (text !== undefined ? text.length : JSON.stringify(data).length);
      const rooms = opts.rooms;
      this.texts.push(text ?? data);
      this.targets.push(rooms.size === 1 ? (rooms.values().next().value as Room) : rooms);
      this.excepts.push(opts.except?.size ? opts.except : undefined);
      this.sizes.push(size);
      this.times.push(Date.now());
      this.bytes += size;
      this.evict();
    }

    /** Oldest first: over the byte bound, or older than the recovery window. */
    private evict(): void {
      const threshold = this.times[this.times.length - 1] - this.windowMs;
      const last = this.texts.length - 1;
      while (this.head < last && (this.bytes > maxBytes || this.times[this.head] < threshold)) {
        this.bytes -= this.sizes[this.head];
        this.texts[this.head] = '';
        this.targets[this.head] = '';
        this.excepts[this.head] = undefined;
        this.head++;
        this.firstSeq++;
      }
      if (this.head > 1024 && this.head * 2 > this.texts.length) {
        this.texts = this.texts.slice(this.head);
        this.targets = this.targets.slice(this.head);
        this.excepts = this.excepts.slice(this.head);
        this.sizes = this.sizes.slice(this.head);
        this.times = this.times.slice(this.head);
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

function addressedTo(sessionRooms: Room[], target: Target, except: Set<Room> | undefined): boolean {
  const included = typeof target === 'string' ? sessionRooms.includes(target) : target.size === 0 || sessionRooms.some((room) => target.has(room));
  return included && !sessionRooms.some((room) => except?.has(room));
}
