import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type {
  ClientAckData,
  ClientEventName,
  ClientPayload,
  ClientToServerEvents,
  ServerEventName,
  ServerPayload,
  ServerToClientEvents,
} from '../../src/socket/events.js';

/** A user's socket on `/`, typed by the event map: what the tests receive on it is checked against the map. */
export type UserClient = Socket<ServerToClientEvents, ClientToServerEvents>;
/** Any socket the helpers take: a typed user socket or a raw one (`/internal`, hostile or seed clients). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySocket = Socket<any, any>;
/** A socket whose events the test does not type (`/internal`, raw frames, events outside the map). */
export type ClientSocket = AnySocket;

/** The same socket without the event map's types: for what a hostile or careless client sends (unknown events, wrong payloads, no ack). */
export function untyped(socket: AnySocket): ClientSocket {
  return socket;
}
export type ConnectOptions = Partial<ManagerOptions & SocketOptions>;

export interface ConnectErrorLike extends Error {
  data?: { code: string; message: string };
}

const DEFAULT_TIMEOUT_MS = 5000;
const open = new Set<ClientSocket>();

/** A client that neither reconnects nor falls back to polling unless asked. */
export function createClient(url: string, opts: ConnectOptions = {}): ClientSocket {
  const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, ...opts });
  open.add(socket);
  return socket;
}

/** Resolves with the first of `events` to fire; every listener and timer is removed either way. */
export function firstOf<T = unknown>(
  socket: AnySocket,
  events: string[],
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<{ event: string; payload: T }> {
  return new Promise((resolve, reject) => {
    const handlers = new Map<string, (payload: T) => void>();
    const cleanup = () => {
      clearTimeout(timer);
      for (const [e, h] of handlers) socket.off(e, h);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${events.map((e) => `"${e}"`).join(' or ')}`));
    }, timeoutMs);
    timer.unref();
    for (const event of events) {
      const h = (payload: T) => {
        cleanup();
        resolve({ event, payload });
      };
      handlers.set(event, h);
      socket.on(event, h);
    }
  });
}

/** Resolves with the next `event` payload that `accept` likes (others are skipped), rejects after `timeoutMs`. */
export function nextMatching<E extends ServerEventName>(socket: UserClient, event: E, accept: (payload: ServerPayload<E>) => boolean, timeoutMs?: number): Promise<ServerPayload<E>>;
export function nextMatching<T = unknown>(socket: AnySocket, event: string, accept: (payload: T) => boolean, timeoutMs?: number): Promise<T>;
export function nextMatching<T = unknown>(socket: AnySocket, event: string, accept: (payload: T) => boolean, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
  return new Promise((resolve, reject) => {
    const on = (payload: T) => {
      if (!accept(payload)) return;
      cleanup();
      resolve(payload);
    };
    const cleanup = () => {
      clearTimeout(timer);
      socket.off(event, on);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for a matching "${event}"`));
    }, timeoutMs);
    timer.unref();
    socket.on(event, on);
  });
}

/** Resolves with the first `event` payload, rejects after `timeoutMs`; on a user socket, typed by the event map. */
export function nextEvent<E extends ServerEventName>(socket: UserClient, event: E, timeoutMs?: number): Promise<ServerPayload<E>>;
export function nextEvent<T = unknown>(socket: AnySocket, event: string, timeoutMs?: number): Promise<T>;
export async function nextEvent<T = unknown>(socket: AnySocket, event: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
  return (await firstOf<T>(socket, [event], timeoutMs)).payload;
}

export interface AckError {
  code: string;
  message: string;
  details?: unknown;
}

/**
 * The ack envelope of every client event (docs/protocol.md §3): `{ ok: true, data? }` or `{ ok: false, error }`.
 * Both arms name both fields, so `res.data` and `res.error?.code` read without narrowing.
 */
export type AckBody<T = unknown> = { ok: true; data?: T; error?: undefined } | { ok: false; data?: undefined; error: AckError };

/**
 * Emits `event` (with `payload` unless it is undefined) and resolves with the server's ack; on a
 * user socket with a payload of the map, its data is typed by the map (a test that sends a wrong
 * payload on purpose gets the untyped form).
 */
export function ack<E extends ClientEventName>(socket: UserClient, event: E, payload?: ClientPayload<E>, timeoutMs?: number): Promise<AckBody<ClientAckData<E>>>;
export function ack<T = unknown>(socket: AnySocket, event: string, payload?: unknown, timeoutMs?: number): Promise<AckBody<T>>;
export function ack<T = unknown>(socket: AnySocket, event: string, payload?: unknown, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<AckBody<T>> {
  const s = socket.timeout(timeoutMs);
  return (payload === undefined ? s.emitWithAck(event) : s.emitWithAck(event, payload)) as Promise<AckBody<T>>;
}

/** The `data` of a successful ack; throws with the error of a refused one. */
export function ackData<E extends ClientEventName>(socket: UserClient, event: E, payload?: ClientPayload<E>): Promise<ClientAckData<E>>;
export function ackData<T = unknown>(socket: AnySocket, event: string, payload?: unknown): Promise<T>;
export async function ackData<T = unknown>(socket: AnySocket, event: string, payload?: unknown): Promise<T> {
  const res = await ack<T>(socket, event, payload);
  if (!res.ok) throw new Error(`${event} acked ${JSON.stringify(res.error)}`);
  return res.data as T;
}

/** The `field` names listed in a VALIDATION_FAILED error's details. */
export function errorFields(body: { error?: { details?: unknown } }): string[] {
  const details = body.error?.details;
  return Array.isArray(details) ? details.map((d: { field?: string }) => d.field ?? '') : [];
}

/** Connects and resolves once the server's `connected` event arrived (auth passed): a socket typed by the event map. */
export async function connectUser(url: string, token: string | undefined, opts: ConnectOptions = {}): Promise<UserClient> {
  const socket = createClient(url, { ...(token !== undefined ? { auth: { token } } : {}), ...opts });
  const { event, payload } = await firstOf<ConnectErrorLike>(socket, ['connected', 'connect_error']);
  if (event === 'connect_error') {
    socket.close();
    throw new Error(`connect_error ${payload.message} ${JSON.stringify(payload.data)}`);
  }
  return socket;
}

/** Connects expecting refusal; resolves with the `connect_error`. */
export async function connectError(url: string, token: string | undefined, opts: ConnectOptions = {}): Promise<ConnectErrorLike> {
  const socket = createClient(url, { ...(token !== undefined ? { auth: { token } } : {}), ...opts });
  try {
    const { event, payload } = await firstOf<ConnectErrorLike>(socket, ['connected', 'connect_error']);
    if (event === 'connected') throw new Error('expected connect_error but the socket connected');
    return payload;
  } finally {
    socket.close();
  }
}

/** Resolves with the disconnect reason. */
export function disconnected(socket: AnySocket, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
  if (socket.disconnected && !socket.active) return Promise.resolve('already disconnected');
  return nextEvent<string>(socket, 'disconnect', timeoutMs);
}

/** Collects every payload of `event` into an array (for exactly-once assertions); on a user socket, typed by the event map. */
export function collect<E extends ServerEventName>(socket: UserClient, event: E): Array<ServerPayload<E>>;
export function collect<T = unknown>(socket: AnySocket, event: string): T[];
export function collect<T = unknown>(socket: AnySocket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T) => seen.push(payload));
  return seen;
}

/**
 * A barrier for "nothing more will arrive": the server answers a ping-pong round trip over
 * the same connection, so every event emitted before it has been delivered in order.
 * Uses `auth:refresh` with an invalid body, which always acks.
 */
export async function roundTrip(socket: AnySocket): Promise<void> {
  await socket.timeout(DEFAULT_TIMEOUT_MS).emitWithAck('auth:refresh', {});
}

export function closeAllClients(): void {
  for (const s of open) s.close();
  open.clear();
}
