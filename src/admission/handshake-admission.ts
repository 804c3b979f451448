import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Namespace, Server, Socket } from 'socket.io';
import { HANDSHAKE_LOAD, type LoopLag } from './loop-lag.js';

type Engine = Server['engine'];

export interface HandshakeLimits {
  /** Handshakes in progress at once: transports opened whose namespace connection is not done yet. */
  maxPending: number;
  /** Hold new handshakes while the event loop is later than this (ms); 0: never for that reason. */
  maxEventLoopDelayMs: number;
  /** New connections held waiting for their turn; past it they are answered 503 + Retry-After. */
  maxQueued: number;
}

export type RefusalReason = 'queue_full' | 'queue_wait';

/** New sessions admitted in each event-loop turn however late the loop is (LoopLag.admits). */
const HANDSHAKE_FLOOR_PER_TURN = 16;
/**
 * How long a new connection may wait for its turn before it is answered 503: under
 * socket.io-client's connect timeout (20 s), so a client is answered rather than timed out, and
 * long enough for a node to work through a storm's queue. A refused client comes back after its
 * backoff, as a new connection, at the end of the queue: with 8 s here, 1,300–2,300 of the 5,000
 * clients of a killed node were refused and retried, and the retries kept the survivor busy
 * (slowest back 19–24 s); with 12 s none was, and all were back in 10.6 s.
 */
export const MAX_QUEUE_WAIT_MS = 12_000;
/** How often the queue is looked at while it holds connections (and the loop is free to). */
const QUEUE_TICK_MS = 5;
/** Waiting handshakes started per look at most: the work one turn of the loop takes on stays small. */
const STARTS_PER_TICK = 16;

/** Seconds a refused client is asked to wait (plain Socket.IO clients back off by themselves anyway). */
export const HANDSHAKE_RETRY_AFTER_SEC = 1;
const BODY = JSON.stringify({ code: 'UNAVAILABLE', message: 'Server busy; retry later' });

interface EngineEntry {
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/** A new connection waiting for its turn: a polling request or a WebSocket upgrade, untouched so far. */
interface Waiting {
  at: number;
  gone(): boolean;
  admit(): void;
  refuse(): void;
}

/**
 * Admission of new connections under a reconnect storm (docs/protocol.md §7, docs/reliability.md).
 * A new Engine.IO session (a request or upgrade without `sid`) starts its handshake at once while
 * fewer than `maxPending` handshakes are in progress and the event loop keeps time (beyond the
 * first few of each turn, so a node short of CPU still lets clients in). Otherwise it waits, in
 * arrival order, before any work is spent on it — no WebSocket handshake, no token check, no store
 * round trip — and starts when a handshake finishes or the loop catches up. The node thus verifies
 * handshakes at the rate it can and keeps /health/live and its sockets prompt, and a client of a
 * storm just connects a little later. Only when `maxQueued` are already waiting, or one waited
 * MAX_QUEUE_WAIT_MS, is a client answered `503` with `Retry-After` (Socket.IO clients retry with
 * jittered backoff): none waits for its own timeout. A client that gives up while waiting is
 * dropped from the queue. Requests of existing sessions (polling, upgrades) always pass.
 *
 * It wraps engine.io's `handleRequest`/`handleUpgrade`, which its HTTP listeners call by name (the
 * main port and INTERNAL_PORT alike); `checkEngine` fails the start-up if they are gone.
 */
export function admitHandshakes(io: Server, limits: HandshakeLimits, lag: LoopLag, onRefused: (reason: RefusalReason) => void): void {
  const engine = io.engine as unknown as EngineEntry & Engine;
  checkEngine(engine);
  const pending = new Set<object>();
  const queue: Waiting[] = [];
  let head = 0;
  let timer: NodeJS.Timeout | undefined;

  const free = () => pending.size < limits.maxPending && lag.admits(limits.maxEventLoopDelayMs, HANDSHAKE_FLOOR_PER_TURN, HANDSHAKE_LOAD);

  /** Starts waiting handshakes in order while there is room; refuses those that waited too long. */
  const drain = () => {
    const now = Date.now();
    let started = 0;
    while (head < queue.length) {
      const next = queue[head];
      if (next.gone()) {
        head++;
        continue;
      }
      if (now - next.at > MAX_QUEUE_WAIT_MS) {
        head++;
        onRefused('queue_wait');
        next.refuse();
        continue;
      }
      if (started >= STARTS_PER_TICK || !free()) break;
      head++;
      started++;
      next.admit();
    }
    if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    if (head >= queue.length) {
      queue.length = 0;
      head = 0;
      clearInterval(timer);
      timer = undefined;
    } else {
      timer ??= setInterval(drain, QUEUE_TICK_MS);
    }
  };

  /** Starts `entry` now, queues it, or refuses it when the queue is full. */
  const arrive = (entry: Waiting) => {
    if (head >= queue.length && free()) return entry.admit();
    if (queue.length - head >= limits.maxQueued) {
      onRefused('queue_full');
      return entry.refuse();
    }
    queue.push(entry);
    timer ??= setInterval(drain, QUEUE_TICK_MS);
  };

  const handleRequest = engine.handleRequest.bind(engine);
  engine.handleRequest = (req, res) => {
    if (hasSession(req.url)) return handleRequest(req, res);
    arrive({
      at: Date.now(),
      gone: () => req.socket.destroyed,
      admit: () => handleRequest(req, res),
      refuse: () => {
        res.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': String(HANDSHAKE_RETRY_AFTER_SEC), 'Content-Length': Buffer.byteLength(BODY) });
        res.end(BODY);
      },
    });
  };

  const handleUpgrade = engine.handleUpgrade.bind(engine);
  engine.handleUpgrade = (req, socket, head) => {
    if (hasSession(req.url)) return handleUpgrade(req, socket, head);
    socket.on('error', () => undefined);
    arrive({
      at: Date.now(),
      gone: () => socket.destroyed,
      admit: () => handleUpgrade(req, socket, head),
      refuse: () =>
        socket.end(
          'HTTP/1.1 503 Service Unavailable\r\n' +
            `Retry-After: ${HANDSHAKE_RETRY_AFTER_SEC}\r\n` +
            'Content-Type: application/json\r\n' +
            `Content-Length: ${Buffer.byteLength(BODY)}\r\n` +
            'Connection: close\r\n\r\n' +
            BODY,
        ),
    });
  };

  // In progress: from the new transport to its first namespace connection (or its close); the
  // room it leaves is taken at the queue's next look.
  function forget(this: object): void {
    pending.delete(this);
  }
  engine.on('connection', (conn: { on(event: 'close', listener: () => void): unknown }) => {
    pending.add(conn);
    conn.on('close', forget);
  });
  const connected = (socket: Socket) => forget.call(socket.conn);
  const watch = (nsp: Namespace) => nsp.on('connection', connected);
  watch(io.of('/'));
  io.on('new_namespace', watch);
  engine.on('close', () => {
    clearInterval(timer);
    timer = undefined;
  });
}

/** Whether the request belongs to an existing Engine.IO session (its query names a `sid`). */
function hasSession(url: string | undefined): boolean {
  const query = url?.indexOf('?') ?? -1;
  return query >= 0 && new URLSearchParams(url!.slice(query + 1)).has('sid');
}

function checkEngine(engine: Partial<EngineEntry>): void {
  if (typeof engine.handleRequest !== 'function' || typeof engine.handleUpgrade !== 'function') {
    throw new Error('engine.io no longer has handleRequest/handleUpgrade; src/admission/handshake-admission.ts needs updating');
  }
}
