import type { Namespace, Socket } from 'socket.io';

/** The socket.io-adapter 2.5 cluster-adapter internals the gate relies on. */
interface ApplyOptions {
  rooms: Set<string>;
  except?: Set<string>;
}

type SocketCallback = (socket: Socket) => void;

interface RestoredSession {
  sid: string;
  missedPackets: unknown[][];
}

interface AdapterInternals {
  nsp: Namespace;
  apply(opts: ApplyOptions, callback: SocketCallback): void;
  restoreSession(pid: string, offset: string): Promise<RestoredSession | null>;
  addOffsetIfNecessary(packet: unknown, opts: unknown, offset: string): void;
}

/** Local work (a delivery, a join…) that happened while a session was being restored. */
interface Recorded {
  offset?: string;
  opts: ApplyOptions;
  callback: SocketCallback;
}

interface Restored {
  /** Last stream id the stream read handed over: live copies up to it are duplicates. */
  last: string;
  missed: unknown[][];
  recorded: Recorded[];
  /** Seen among the namespace's connecting sockets (leaving them without connecting means refused). */
  waiting: boolean;
  connected: boolean;
}

/** How long a restored session may wait for its socket to pass the middleware, and duplicates are filtered. */
const HOLD_MS = 10_000;
const EVENT_PACKET = 2;
const STREAM_ID = /^(\d+)-(\d+)$/;

/** Orders Redis stream ids (`ms-seq`). */
export function compareStreamIds(a: string, b: string): number {
  const [, am, as] = STREAM_ID.exec(a) ?? [];
  const [, bm, bs] = STREAM_ID.exec(b) ?? [];
  return Number(am) - Number(bm) || Number(as) - Number(bs);
}

function addressedTo(opts: ApplyOptions, rooms: Set<string>): boolean {
  for (const room of opts.except ?? []) if (rooms.has(room)) return false;
  if (opts.rooms.size === 0) return true;
  for (const room of opts.rooms) if (rooms.has(room)) return true;
  return false;
}

/**
 * Makes connection-state recovery on a cluster adapter (the Redis streams adapter) lossless and
 * authenticated. Socket.IO reads a session's missed packets from the stream before its
 * middleware runs, writes them at once, and the recovering socket is invisible to local
 * deliveries until the middleware has finished: packets published meanwhile were lost, packets
 * both read from the stream and delivered live arrived twice, and a socket whose session was
 * revoked received its missed packets before being refused. Here everything delivered on this
 * node from the start of a restore until the socket has connected is recorded; on connect the
 * socket gets its missed packets, then the recorded work addressed to its rooms that the stream
 * read did not already cover. A socket that never connects gets nothing.
 */
export function gateRecovery<T>(adapter: T): T {
  const a = adapter as unknown as AdapterInternals;
  const recorders = new Set<Recorded[]>();
  const restored = new Map<string, Restored>(); // by socket id, for HOLD_MS after the restore
  let packetOffset: string | undefined; // stream id of the packet being delivered, set just before apply()

  const alreadySent = (sid: string, offset: string | undefined) => {
    const last = restored.get(sid)?.last;
    return offset !== undefined && last !== undefined && STREAM_ID.test(last) && compareStreamIds(offset, last) <= 0;
  };

  const restore = a.restoreSession.bind(a);
  a.restoreSession = async (pid, offset) => {
    const recorded: Recorded[] = [];
    recorders.add(recorded);
    try {
      const session = await restore(pid, offset);
      if (!session) {
        recorders.delete(recorded);
        return session;
      }
      const missed = session.missedPackets;
      session.missedPackets = [];
      const last = missed.at(-1)?.at(-1);
      const entry: Restored = { last: typeof last === 'string' ? last : offset, missed, recorded, waiting: false, connected: false };
      restored.set(session.sid, entry);
      setTimeout(() => {
        recorders.delete(recorded);
        // The id survives recoveries: a later restore of the same socket has its own entry.
        if (restored.get(session.sid) === entry) restored.delete(session.sid);
      }, HOLD_MS).unref();
      return session;
    } catch (err) {
      recorders.delete(recorded);
      throw err;
    }
  };

  // The cluster adapter calls this right before delivering a packet locally (apply), with its stream id.
  const addOffset = a.addOffsetIfNecessary.bind(a);
  a.addOffsetIfNecessary = (packet, opts, offset) => {
    packetOffset = offset;
    addOffset(packet, opts, offset);
  };

  // A restored socket that left the connecting sockets without connecting was refused: stop recording for it.
  const forgetRefused = () => {
    const connecting = (a.nsp as unknown as { _preConnectSockets?: Map<string, unknown> })._preConnectSockets;
    if (!connecting) return;
    for (const [sid, entry] of restored) {
      if (entry.connected) continue;
      if (connecting.has(sid)) entry.waiting = true;
      else if (entry.waiting) {
        restored.delete(sid);
        recorders.delete(entry.recorded);
      }
    }
  };

  const apply = a.apply.bind(a);
  a.apply = (opts, callback) => {
    const offset = packetOffset;
    packetOffset = undefined;
    for (const recorded of recorders) recorded.push({ offset, opts, callback });
    if (restored.size === 0) return apply(opts, callback);
    forgetRefused();
    apply(opts, (socket) => {
      if (!alreadySent(socket.id, offset)) callback(socket);
    });
  };

  // Registered when the namespace is created, so it runs before the application's handlers.
  a.nsp.on('connection', (socket: Socket) => {
    const entry = restored.get(socket.id);
    if (!entry || entry.connected) return;
    entry.connected = true;
    recorders.delete(entry.recorded);
    const send = socket as unknown as { packet(packet: { type: number; data: unknown[] }): void };
    for (const data of entry.missed) send.packet({ type: EVENT_PACKET, data });
    for (const { offset, opts, callback } of entry.recorded) {
      if (!alreadySent(socket.id, offset) && addressedTo(opts, socket.rooms)) callback(socket);
    }
    entry.missed = [];
    entry.recorded = [];
  });
  return adapter;
}
