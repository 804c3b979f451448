import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Namespace, Server, Socket } from 'socket.io';
import type { LoopLag } from './loop-lag.js';

type Engine = Server['engine'];

export interface HandshakeLimits {
  /** Handshakes in progress at once: transports opened whose namespace connection is not done yet. */
  maxPending: number;
  /** Refuse new handshakes while the event loop is later than this (ms); 0: never for that reason. */
  maxEventLoopDelayMs: number;
}

export type RefusalReason = 'pending' | 'event_loop_delay';

/** New sessions admitted in each event-loop turn however late the loop is (LoopLag.admits). */
const HANDSHAKE_FLOOR_PER_TURN = 16;

/** Seconds a refused client is asked to wait (plain Socket.IO clients back off by themselves anyway). */
export const HANDSHAKE_RETRY_AFTER_SEC = 1;
const BODY = JSON.stringify({ code: 'UNAVAILABLE', message: 'Server busy; retry later' });

interface EngineEntry {
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/**
 * Admission of new connections under a reconnect storm (docs/protocol.md §7, docs/reliability.md): a new
 * Engine.IO session (a request or upgrade without `sid`) is answered `503` with `Retry-After`
 * before any work is spent on it — no WebSocket handshake, no token check, no store round trip —
 * while `maxPending` handshakes are already in progress or the event loop is late (beyond the
 * first few of each turn, so a node short of CPU still lets clients in). The node then
 * verifies handshakes at the rate it can, keeps /health/live and its sockets prompt, and the
 * refused clients (which Socket.IO retries with jittered backoff) never wait for a timeout.
 * Requests of existing sessions (polling, upgrades) always pass.
 *
 * It wraps engine.io's `handleRequest`/`handleUpgrade`, which its HTTP listeners call by name (the
 * main port and INTERNAL_PORT alike); `checkEngine` fails the start-up if they are gone.
 */
export function admitHandshakes(io: Server, limits: HandshakeLimits, lag: LoopLag, onRefused: (reason: RefusalReason) => void): void {
  const engine = io.engine as unknown as EngineEntry & Engine;
  checkEngine(engine);
  const pending = new Set<object>();

  const refusal = (req: IncomingMessage): RefusalReason | undefined => {
    if (hasSession(req.url)) return undefined;
    if (pending.size >= limits.maxPending) return 'pending';
    if (!lag.admits(limits.maxEventLoopDelayMs, HANDSHAKE_FLOOR_PER_TURN)) return 'event_loop_delay';
    return undefined;
  };

  const handleRequest = engine.handleRequest.bind(engine);
  engine.handleRequest = (req, res) => {
    const reason = refusal(req);
    if (reason === undefined) return handleRequest(req, res);
    onRefused(reason);
    res.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': String(HANDSHAKE_RETRY_AFTER_SEC), 'Content-Length': Buffer.byteLength(BODY) });
    res.end(BODY);
  };

  const handleUpgrade = engine.handleUpgrade.bind(engine);
  engine.handleUpgrade = (req, socket, head) => {
    const reason = refusal(req);
    if (reason === undefined) return handleUpgrade(req, socket, head);
    onRefused(reason);
    socket.on('error', () => undefined);
    socket.end(
      'HTTP/1.1 503 Service Unavailable\r\n' +
        `Retry-After: ${HANDSHAKE_RETRY_AFTER_SEC}\r\n` +
        'Content-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(BODY)}\r\n` +
        'Connection: close\r\n\r\n' +
        BODY,
    );
  };

  // In progress: from the new transport to its first namespace connection (or its close).
  function forget(this: object): void {
    pending.delete(this);
  }
  engine.on('connection', (conn: { on(event: 'close', listener: () => void): unknown }) => {
    pending.add(conn);
    conn.on('close', forget);
  });
  const connected = (socket: Socket) => pending.delete(socket.conn);
  const watch = (nsp: Namespace) => nsp.on('connection', connected);
  watch(io.of('/'));
  io.on('new_namespace', watch);
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
