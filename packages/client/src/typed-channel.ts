import type { Socket } from 'socket.io-client';
import type { AckDataOf, PayloadOf } from './contract.js';
import { GatewayError } from './gateway-error.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- conditional types over the event maps' function signatures */


export interface RequestOptions {
  /** Milliseconds to wait for the ack before rejecting with `TIMEOUT` (default: the client's `requestTimeout`). */
  timeout?: number;
}

/**
 * `request(event, payload, options?)`; the payload may be left out when every field of it is
 * optional (docs/protocol.md §9: such events accept no payload at all).
 */
export type RequestArgs<P> = undefined extends P
  ? [payload?: P, options?: RequestOptions]
  : {} extends P
    ? [payload?: P, options?: RequestOptions]
    : [payload: P, options?: RequestOptions];

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'ended';

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

type Handler = (...args: any[]) => void;
type Named<M> = Extract<keyof M, string>;
type Untyped = { on(event: string, handler: Handler): unknown; off(event: string, handler: Handler): unknown };

/** Events every client emits by itself (never sent by the server). */
export interface ChannelEvents<End> {
  /** The session is over (token expired, session revoked, credentials refused): no reconnection follows. */
  'session:ended': (ended: End) => void;
  /** Connection state changes, for status displays. */
  state: (state: ConnectionState) => void;
}

/**
 * A Socket.IO socket seen through one event map: `Listen` are the server's events, `Emit` the
 * client's requests with their ack data, `Local` the client's own events. No new protocol: every
 * request is an emit with an ack, every event a Socket.IO event.
 */
export abstract class TypedChannel<Listen, Emit, Local> {
  private readonly localHandlers = new Map<string, Set<Handler>>();
  private currentState: ConnectionState = 'connecting';
  protected ended = false;

  protected constructor(
    /** The underlying socket.io-client socket (for anything this layer does not cover). */
    readonly socket: Socket,
    private readonly localNames: ReadonlySet<string>,
    protected readonly requestTimeoutMs: number,
  ) {}

  get id(): string | undefined {
    return this.socket.id;
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Whether the last (re)connection recovered the session's rooms and missed events (connection-state recovery). */
  get recovered(): boolean {
    return this.socket.recovered;
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /**
   * Emits `event` with its payload and resolves the ack's `data`. Rejects with a GatewayError: the
   * gateway's code (`VALIDATION_FAILED`, `FORBIDDEN`…) and `details`, `TIMEOUT` when no ack came
   * in time, `DISCONNECTED` once the client is closed or its session ended.
   */
  async request<E extends Named<Emit>>(event: E, ...args: RequestArgs<PayloadOf<Emit[E]>>): Promise<AckDataOf<Emit[E]>> {
    const [payload, options] = args as [unknown, RequestOptions | undefined];
    if (this.ended) throw new GatewayError('DISCONNECTED', `Cannot send "${event}": the client is closed`);
    const timeout = options?.timeout ?? this.requestTimeoutMs;
    const emitter = this.socket.timeout(timeout);
    let res: unknown;
    try {
      res = payload === undefined ? await emitter.emitWithAck(event) : await emitter.emitWithAck(event, payload);
    } catch {
      throw new GatewayError('TIMEOUT', `No answer to "${event}" within ${timeout} ms`);
    }
    return unwrapAck(event, res) as AckDataOf<Emit[E]>;
  }

  /** Listens to a server event (typed by the event map) or to one of the client's own events. */
  on<E extends Named<Listen & Local>>(event: E, handler: (Listen & Local)[E]): this {
    if (this.localNames.has(event)) {
      let set = this.localHandlers.get(event);
      if (!set) this.localHandlers.set(event, (set = new Set()));
      set.add(handler as Handler);
    } else {
      (this.socket as unknown as Untyped).on(event, handler as Handler);
    }
    return this;
  }

  off<E extends Named<Listen & Local>>(event: E, handler: (Listen & Local)[E]): this {
    if (this.localNames.has(event)) this.localHandlers.get(event)?.delete(handler as Handler);
    else (this.socket as unknown as Untyped).off(event, handler as Handler);
    return this;
  }

  /** Closes the connection for good: no reconnection, pending requests reject. */
  close(): void {
    this.ended = true;
    this.stop();
    this.socket.disconnect();
    this.setState('ended');
  }

  /** Clears the subclass's timers (close and session end). */
  protected abstract stop(): void;

  protected emitLocal<E extends Named<Local>>(event: E, ...args: Local[E] extends (...a: infer A) => void ? A : never): void {
    for (const handler of [...(this.localHandlers.get(event) ?? [])]) handler(...args);
  }

  protected setState(state: ConnectionState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    for (const handler of [...(this.localHandlers.get('state') ?? [])]) handler(state);
  }
}

function unwrapAck(event: string, res: unknown): unknown {
  const ack = (typeof res === 'object' && res !== null ? res : {}) as { ok?: unknown; data?: unknown; error?: unknown };
  if (ack.ok === true) return ack.data;
  if (ack.ok === false) throw GatewayError.fromBody(ack.error);
  throw new GatewayError('INTERNAL', `Malformed ack to "${event}"`, res);
}

/** The code of a `connect_error` (docs/protocol.md §2.1: `data.code`, else the message). */
export function connectErrorCode(err: Error & { data?: { code?: unknown } }): string {
  return typeof err.data?.code === 'string' ? err.data.code : err.message;
}
