import { io, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import type { InternalClientToServerEvents, InternalServerToClientEvents } from './events.js';
import { type ChannelEvents, connectErrorCode, DEFAULT_REQUEST_TIMEOUT_MS, TypedChannel } from './typed-channel.js';
import { RETRY_BASE_MS, retryDelay, withJitter } from './retry.js';

export interface ServiceEnded {
  /** `AUTH_INVALID`: wrong, unknown, pending or disabled service credentials. */
  code: 'AUTH_INVALID';
  reason: string;
}

export type ServiceClientEvents = ChannelEvents<ServiceEnded>;

export interface ServiceClientOptions extends Partial<ManagerOptions & SocketOptions> {
  serviceName: string;
  serviceKey: string;
  /** Default timeout of request(), in ms [10000]. */
  requestTimeout?: number;
}

const LOCAL_EVENTS = new Set(['session:ended', 'state']);

/**
 * A backend service's connection to the `/internal` namespace (docs/protocol.md §6.2), typed by the internal
 * event map. Authenticates in the handshake; when the gateway ends the service session
 * (`session:expired`: expiry or idle timeout) it connects again with a new session.
 */
export class ServiceClient extends TypedChannel<InternalServerToClientEvents, InternalClientToServerEvents, ServiceClientEvents> {
  private retryTimer?: ReturnType<typeof setTimeout>;
  private retries = 0;
  private readonly reconnects: boolean;

  constructor(url: string, options: ServiceClientOptions) {
    const { serviceName, serviceKey, requestTimeout, ...ioOptions } = options;
    const socket = io(internalUrl(url), { ...ioOptions, auth: { serviceName, serviceKey }, autoConnect: false });
    super(socket, LOCAL_EVENTS, requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS);
    this.reconnects = ioOptions.reconnection !== false;
    socket.on('connect', () => {
      this.retries = 0;
      this.setState('connected');
    });
    socket.on('disconnect', this.onDisconnect);
    socket.on('connect_error', this.onConnectError);
    socket.io.on('reconnect_attempt', () => this.setState('reconnecting'));
    if (ioOptions.autoConnect !== false) socket.connect();
  }

  connect(): this {
    if (!this.ended) this.socket.connect();
    return this;
  }

  protected stop(): void {
    clearTimeout(this.retryTimer);
  }

  private readonly onDisconnect = (reason: string): void => {
    if (this.ended) return;
    if (this.socket.active) return this.setState('reconnecting');
    if (reason === 'io server disconnect' && this.reconnects) return this.retryLater(withJitter(RETRY_BASE_MS / 2));
    this.setState('disconnected');
  };

  private readonly onConnectError = (err: Error & { data?: { code?: unknown; message?: unknown } }): void => {
    if (connectErrorCode(err) === 'AUTH_INVALID') {
      if (this.ended) return;
      this.ended = true;
      this.stop();
      this.socket.disconnect();
      this.setState('ended');
      this.emitLocal('session:ended', { code: 'AUTH_INVALID', reason: typeof err.data?.message === 'string' ? err.data.message : err.message });
      return;
    }
    if (!this.socket.active && this.reconnects) this.retryLater(retryDelay(this.retries++, this.socket.io.reconnectionDelayMax()));
  };

  private retryLater(delayMs: number): void {
    this.setState('reconnecting');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (!this.ended) this.socket.connect();
    }, delayMs);
  }
}

/** `url` with the `/internal` namespace appended (unless it already names it). */
function internalUrl(url: string): string {
  const base = url.replace(/\/+$/, '');
  return base.endsWith('/internal') ? base : `${base}/internal`;
}

/** Connects a backend service to the gateway's `/internal` namespace at `url` (the INTERNAL_PORT's URL when one is set). */
export function connectService(url: string, options: ServiceClientOptions): ServiceClient {
  return new ServiceClient(url, options);
}
