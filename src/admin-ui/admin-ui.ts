import { type INestApplicationContext, Logger } from '@nestjs/common';
import type { Namespace, Server, Socket } from 'socket.io';
import { clientIp } from '../common/client-ip.js';
import { AppError, ErrorCode } from '../common/error-codes.js';
import type { AdminUiSettings, AppConfig } from '../config/app-config.js';
import { AttemptLimits } from '../rate-limit/attempt-limits.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { PortPolicy } from '../socket/port-policy.js';
import { handshakeError } from '../common/handshake-error.js';
import { AdminSessions, type AdminSessionStore } from './admin-sessions.js';
import { redact } from './redact.js';

export { registerAdminUiPage } from './admin-ui-page.js';

export const ADMIN_NAMESPACE = '/admin';
/** Login attempts (a password rather than a live session id) per client IP and window. */
export const ADMIN_LOGIN_LIMIT = 10;
export const ADMIN_LOGIN_WINDOW_MS = 15 * 60_000;
const SESSION_TTL_MS = 24 * 60 * 60_000;
const MAX_SESSIONS = 1000;

type Next = (err?: Error) => void;

export interface AdminGuardDeps {
  config: AppConfig;
  sessions: AdminSessionStore;
  attempts: AttemptLimits;
  ports: PortPolicy;
  metrics: MetricsService;
}

/**
 * Runs before the package's own authentication on `/admin`. With INTERNAL_PORT set the namespace
 * exists only there (like `/internal`). A password is checked with bcrypt, which costs tens of
 * milliseconds of CPU, so login attempts are counted per client IP and refused past the budget
 * before that work; a reconnection with a live session id costs nothing and is not counted.
 */
export function adminGuard({ config, sessions, attempts, ports, metrics }: AdminGuardDeps) {
  const logger = new Logger('AdminUi');
  const check = async (socket: Socket): Promise<void> => {
    const { handshake } = socket;
    const sessionId: unknown = handshake.auth?.sessionId;
    if (typeof sessionId === 'string' && (await sessions.doesSessionExist(sessionId))) return;
    const ip = clientIp(handshake.headers, handshake.address, config.trustProxy);
    const decision = await attempts.hit(`admin-login:${ip}`, [ADMIN_LOGIN_LIMIT, ADMIN_LOGIN_WINDOW_MS]);
    if (!decision.allowed) {
      metrics.rateLimited.inc({ scope: 'admin_login' });
      throw new AppError(ErrorCode.RATE_LIMITED, 'Too many Admin UI login attempts', { retryAfterMs: decision.retryAfterMs });
    }
  };
  return (socket: Socket, next: Next): void => {
    if (!ports.allowsInternal(socket.request)) return next(new Error('Invalid namespace'));
    holdEmitsUntilConnected(socket);
    check(socket).then(
      () => next(),
      (err: unknown) => {
        if (err instanceof AppError) return next(handshakeError(err));
        logger.warn({ reason: (err as Error)?.message }, 'Admin UI login check failed on the engine store');
        next(handshakeError(new AppError(ErrorCode.UNAVAILABLE, 'Realtime store unavailable')));
      },
    );
  };
}

const held = new WeakMap<Socket, unknown[][]>();

/**
 * The package emits the login's `session` id from its middleware. With connection-state recovery
 * on, Socket.IO sends a socket's emits through the socket's own room, which it joins only once
 * connected: that emit would be lost and the UI would ask for the password on every reload. So
 * an admin socket's emits wait until it has connected (see `releaseHeldEmits`).
 */
function holdEmitsUntilConnected(socket: Socket): void {
  const queue: unknown[][] = [];
  held.set(socket, queue);
  Object.defineProperty(socket, 'emit', {
    configurable: true,
    writable: true,
    value: (...args: unknown[]) => queue.push(args) > 0,
  });
}

function releaseHeldEmits(socket: Socket): void {
  const queue = held.get(socket);
  if (!queue) return;
  held.delete(socket);
  redactEmits(socket);
  for (const [event, ...args] of queue) socket.emit(event as string, ...args);
}

type Emit = (event: string, ...args: unknown[]) => boolean;

/**
 * Whatever the package sends the UI (the socket list, socket updates, every event in development
 * mode) leaves through the admin namespace's broadcast or an admin socket's own emit: both carry
 * copies without credentials (redact.ts), whatever ADMIN_UI_MODE says.
 */
function redactEmits(target: Namespace | Socket): void {
  const emit = (Object.getPrototypeOf(target) as { emit: Emit }).emit;
  Object.defineProperty(target, 'emit', {
    configurable: true,
    writable: true,
    value: (event: string, ...args: unknown[]) => emit.call(target, event, ...args.map((a) => redact(a))),
  });
}

/**
 * The package's basic-auth option. Its debug output (DEBUG=socket.io-admin) prints the options
 * as JSON: `toJSON` keeps the hash out of it.
 */
function basicAuth(settings: AdminUiSettings) {
  return {
    type: 'basic' as const,
    username: settings.username,
    password: settings.passwordHash,
    toJSON: () => ({ type: 'basic', username: settings.username, password: '[redacted]' }),
  };
}

/**
 * Turns on the official Socket.IO Admin UI (ADMIN_UI=true) on the running server: the `/admin`
 * namespace with its credentials, guarded as above. The package is imported here, and this file
 * only by create-app.ts when the UI is on: with ADMIN_UI off none of it is loaded.
 */
export async function installAdminUi(io: Server, app: INestApplicationContext, config: AppConfig, settings: AdminUiSettings): Promise<Namespace> {
  const { instrument } = await import('@socket.io/admin-ui');
  const sessions = new AdminSessions(SESSION_TTL_MS, MAX_SESSIONS);
  const namespace = io.of(ADMIN_NAMESPACE);
  redactEmits(namespace);
  // Registered first, so they run before the package's own middleware and connection handler.
  namespace.on('connection', releaseHeldEmits);
  namespace.use(
    adminGuard({ config, sessions, attempts: app.get(AttemptLimits), ports: app.get(PortPolicy), metrics: app.get(MetricsService) }),
  );
  instrument(io, {
    namespaceName: ADMIN_NAMESPACE,
    auth: basicAuth(settings),
    readonly: settings.readonly,
    mode: settings.mode,
    serverId: config.nodeId,
    store: sessions,
  });
  return namespace;
}
