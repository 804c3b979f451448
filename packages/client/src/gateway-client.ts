import { io, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from './events.js';
import { GatewayError } from './gateway-error.js';
import { retryDelay, shutdownDelay } from './retry.js';
import { refreshDelay, tokenExpiry } from './token.js';
import { type ChannelEvents, connectErrorCode, DEFAULT_REQUEST_TIMEOUT_MS, TypedChannel } from './typed-channel.js';

/** Why a user session ended; after it the client stays disconnected. */
export type SessionEndCode = 'AUTH_EXPIRED' | 'SESSION_REVOKED' | 'AUTH_INVALID' | 'AUTH_REQUIRED';

export interface SessionEnded {
  code: SessionEndCode;
  /** `auth:logout`'s reason (`session_replaced`, `force_logout`, a kick's reason…) or the refusal's message. */
  reason: string;
}

export interface GatewayClientEvents extends ChannelEvents<SessionEnded> {
  /** `auth:refresh` was accepted; the socket now expires at `expiresAt`. */
  'token:refreshed': (info: { expiresAt: string | null }) => void;
  /** A refresh failed (getToken threw, or the gateway refused the token); it is retried later while time remains. */
  'token:refresh-failed': (error: GatewayError) => void;
}

export interface GatewayClientOptions extends Partial<ManagerOptions & SocketOptions> {
  /** Returns a valid user token: called for every handshake (reconnections too) and before the token's `exp`. */
  getToken: () => string | Promise<string>;
  /** Default timeout of request(), in ms [10000]. */
  requestTimeout?: number;
}

const LOCAL_EVENTS = new Set(['session:ended', 'state', 'token:refreshed', 'token:refresh-failed']);
const TERMINAL_CODES = new Set<string>(['AUTH_EXPIRED', 'SESSION_REVOKED', 'AUTH_INVALID', 'AUTH_REQUIRED']);

/**
 * A user connection to the gateway's `/` namespace, typed by the event map (`Extra`: events a
 * deployment adds to EMIT_ALLOWED_EVENTS, e.g. `BackendEvents<'order:shipped', Order>`). Authenticates with
 * `getToken()`, refreshes the token over `auth:refresh` before it expires (the socket stays
 * connected), and reports a session that is over as `session:ended` instead of reconnecting.
 */
export class GatewayClient<Extra extends object = {}> extends TypedChannel<ServerToClientEvents & Extra, ClientToServerEvents, GatewayClientEvents> {
  private token?: string;
  private tokenError?: string;
  private refreshTimer?: ReturnType<typeof setTimeout>;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private retries = 0;
  /** Set by `server:shutdown`: how long to wait once the draining node has closed the transport. */
  private resumeAfterMs?: number;
  /** Server clock minus local clock, from `connected.serverTime`, so `exp` is compared with the gateway's time. */
  private skewMs = 0;
  private readonly getToken: () => string | Promise<string>;
  private readonly reconnects: boolean;

  constructor(url: string, options: GatewayClientOptions) {
    const { getToken, requestTimeout, ...ioOptions } = options;
    const socket = io(url, { ...ioOptions, autoConnect: false });
    super(socket, LOCAL_EVENTS, requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS);
    this.getToken = getToken;
    this.reconnects = ioOptions.reconnection !== false;
    socket.auth = (cb) => this.handshakeAuth(cb);
    socket.on('connect', this.onConnect);
    socket.on('connected', this.onConnected);
    socket.on('disconnect', this.onDisconnect);
    socket.on('connect_error', this.onConnectError);
    socket.on('server:shutdown', this.onShutdown);
    socket.on('auth:expired', () => this.end('AUTH_EXPIRED', 'Token expired'));
    socket.on('auth:logout', (p: { reason?: string }) => this.end('SESSION_REVOKED', p?.reason ?? 'logout'));
    socket.io.on('reconnect_attempt', () => this.setState('reconnecting'));
    if (ioOptions.autoConnect !== false) socket.connect();
  }

  /** Opens the connection when created with `autoConnect: false` (does nothing once closed or ended). */
  connect(): this {
    if (!this.ended) this.socket.connect();
    return this;
  }

  /** Fetches a token now and sends `auth:refresh`; resolves with the new expiry. */
  async refreshToken(): Promise<{ expiresAt: string | null }> {
    clearTimeout(this.refreshTimer);
    const token = await this.getToken();
    const data = await this.request('auth:refresh', { token });
    this.token = token;
    const info = { expiresAt: data?.expiresAt ?? null };
    this.scheduleRefresh();
    this.emitLocal('token:refreshed', info);
    return info;
  }

  protected stop(): void {
    clearTimeout(this.refreshTimer);
    clearTimeout(this.retryTimer);
  }

  private handshakeAuth(cb: (data: object) => void): void {
    Promise.resolve()
      .then(() => this.getToken())
      .then(
        (token) => {
          this.token = token;
          this.tokenError = undefined;
          cb({ token });
        },
        (err: unknown) => {
          // No token: the gateway refuses with AUTH_REQUIRED, which ends the session with this reason.
          this.tokenError = `getToken failed: ${err instanceof Error ? err.message : String(err)}`;
          cb({});
        },
      );
  }

  private readonly onConnect = (): void => {
    this.retries = 0;
    this.setState('connected');
    this.scheduleRefresh();
  };

  private readonly onConnected = (p: { serverTime?: string }): void => {
    const serverTime = Date.parse(p?.serverTime ?? '');
    if (Number.isFinite(serverTime)) this.skewMs = serverTime - Date.now();
    this.scheduleRefresh();
  };

  /**
   * The node drains (docs/protocol.md §7) and closes the transport next. Socket.IO would reconnect at once;
   * waiting `reconnectAfterMs` instead spreads the node's clients over the drain's spread.
   */
  private readonly onShutdown = (p: { reconnectAfterMs?: unknown }): void => {
    if (this.ended || !this.reconnects) return;
    this.resumeAfterMs = shutdownDelay(p?.reconnectAfterMs);
    this.socket.io.reconnection(false);
  };

  private readonly onDisconnect = (reason: string): void => {
    clearTimeout(this.refreshTimer);
    if (this.ended) return;
    if (this.resumeAfterMs !== undefined) {
      const delay = this.resumeAfterMs;
      this.resumeAfterMs = undefined;
      return this.retryIn(delay);
    }
    if (this.socket.active) return this.setState('reconnecting');
    // The server closed the socket without ending the session (shutdown of this node, idle
    // timeout): a new handshake goes to another node or starts afresh.
    if (reason === 'io server disconnect' && this.reconnects) return this.retryLater();
    this.setState('disconnected');
  };

  private readonly onConnectError = (err: Error & { data?: { code?: unknown; message?: unknown } }): void => {
    const code = connectErrorCode(err);
    if (TERMINAL_CODES.has(code)) {
      const message = typeof err.data?.message === 'string' ? err.data.message : err.message;
      return this.end(code as SessionEndCode, code === 'AUTH_REQUIRED' && this.tokenError ? this.tokenError : message);
    }
    // A refusal by the middleware (RATE_LIMITED, UNAVAILABLE) is not retried by socket.io itself.
    if (!this.socket.active && this.reconnects) this.retryLater();
  };

  private retryLater(): void {
    this.retryIn(retryDelay(this.retries++, this.socket.io.reconnectionDelayMax()));
  }

  /** Reconnects after `delayMs`; from then on Socket.IO's own reconnection (jittered by its randomizationFactor) applies again. */
  private retryIn(delayMs: number): void {
    this.setState('reconnecting');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.ended) return;
      this.socket.io.reconnection(true);
      this.socket.connect();
    }, delayMs);
  }

  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    const exp = this.token === undefined ? undefined : tokenExpiry(this.token);
    if (exp === undefined || this.ended || !this.socket.connected) return;
    this.refreshTimer = setTimeout(() => void this.refreshInBackground(), refreshDelay(exp - (Date.now() + this.skewMs)));
  }

  private async refreshInBackground(): Promise<void> {
    try {
      await this.refreshToken();
    } catch (err) {
      if (this.ended) return;
      const error = err instanceof GatewayError ? err : new GatewayError('TOKEN_UNAVAILABLE', `getToken failed: ${(err as Error)?.message ?? String(err)}`);
      if (error.code === 'SESSION_REVOKED') return this.end('SESSION_REVOKED', error.message);
      this.emitLocal('token:refresh-failed', error);
      // Tried again later while the current token lasts; at its exp the gateway sends auth:expired.
      this.scheduleRefresh();
    }
  }

  private end(code: SessionEndCode, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.stop();
    this.socket.disconnect();
    this.setState('ended');
    this.emitLocal('session:ended', { code, reason });
  }
}

/** Connects a user to the gateway at `url` (the `/` namespace); see GatewayClient. */
export function connectGateway<Extra extends object = {}>(url: string, options: GatewayClientOptions): GatewayClient<Extra> {
  return new GatewayClient<Extra>(url, options);
}
