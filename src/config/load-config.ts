import { createPrivateKey, createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Algorithm } from 'jsonwebtoken';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { type AdminUiSettings, AppConfig, type GcHelperThreads, type RateLimitRule, type ServiceDefinition } from './app-config.js';
import { EnvironmentVariables } from './environment.dto.js';
import { isPlainObject } from '../common/json-object.js';
import { RESERVED_EVENTS } from '../common/reserved-events.js';
import { MAX_EVENT_NAME_LENGTH } from '../common/validators.js';

export type Env = Record<string, string | undefined>;

/** A configuration problem; `message` is one line naming the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
  }
}

export const DEFAULT_EMIT_ALLOWED_EVENTS =
  'profile:update,account:update,auth:logout,notification:new,message,message:new,message:edited,message:deleted,chat:updated,service:status';

const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'];
const KEY_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'];

/** Parses and validates the whole configuration; throws ConfigError on the first problem. */
export function loadConfig(rawEnv: Env): AppConfig {
  const env = dropEmpty(rawEnv);
  const dto = plainToInstance(EnvironmentVariables, env);
  const errors = validateSync(dto, { skipMissingProperties: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    const first = errors[0];
    const detail = Object.values(first.constraints ?? {})[0] ?? 'is invalid';
    throw new ConfigError(first.property, detail.replace(new RegExp(`^${first.property}\\s*`), ''));
  }

  const production = env.NODE_ENV === 'production';
  const cfg = new AppConfig();
  cfg.port = dto.PORT ?? 3000;
  cfg.production = production;
  cfg.nodeId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  cfg.jwt = parseJwt(dto, production);
  cfg.generatedSecrets = !dto.JWT_SECRET && !dto.JWT_PUBLIC_KEY;
  if (cfg.generatedSecrets) cfg.jwt.secret = randomBytes(32).toString('base64url');
  // Development mode (docs/security.md) hands out tokens: reachable from this machine only unless HOST says otherwise.
  cfg.host = dto.HOST ?? (cfg.generatedSecrets ? '127.0.0.1' : '0.0.0.0');

  cfg.corsOrigin = parseCors(dto.CORS_ORIGIN);
  cfg.redis = {
    url: dto.REDIS_URL,
    host: dto.REDIS_HOST,
    port: dto.REDIS_PORT ?? 6379,
    password: dto.REDIS_PASS,
    clusterNodes: dto.REDIS_CLUSTER_NODES ? parseHostPorts(dto.REDIS_CLUSTER_NODES) : undefined,
  };
  cfg.engine = dto.REDIS_URL || dto.REDIS_HOST || dto.REDIS_CLUSTER_NODES ? 'redis' : 'memory';
  cfg.prefix = dto.SOCKET_CONTROL_PREFIX ?? 'socket:control';

  cfg.internalSecret = dto.INTERNAL_SECRET ?? dto.AUTH_TOKEN ?? dto.SECRET_KEY;
  cfg.generatedInternalSecret = !cfg.internalSecret && cfg.generatedSecrets;
  if (cfg.generatedInternalSecret) cfg.internalSecret = randomBytes(24).toString('base64url');
  cfg.controlBus = {
    secretKey: dto.SECRET_KEY,
    secretIv: dto.SECRET_IV,
    allowPlaintext: dto.CONTROL_ALLOW_PLAINTEXT ?? true,
    allowLegacy: dto.CONTROL_ALLOW_LEGACY ?? true,
  };
  cfg.emitAllowedEvents = parseEventList(dto.EMIT_ALLOWED_EVENTS ?? DEFAULT_EMIT_ALLOWED_EVENTS);

  cfg.session = {
    policy: (dto.SESSION_POLICY as 'single' | 'multi' | undefined) ?? 'single',
    maxPerUser: dto.MAX_SESSIONS_PER_USER ?? 10,
    revokeTtlSec: dto.SESSION_REVOKE_TTL ?? 86400,
  };

  cfg.internalPort = dto.INTERNAL_PORT;
  if (cfg.internalPort !== undefined && cfg.internalPort !== 0 && cfg.internalPort === cfg.port) {
    throw new ConfigError('INTERNAL_PORT', 'must differ from PORT');
  }
  cfg.services = dto.INTERNAL_SERVICES
    ? parseServices('INTERNAL_SERVICES', dto.INTERNAL_SERVICES)
    : dto.CUSTOM_SERVICES
      ? parseServices('CUSTOM_SERVICES', dto.CUSTOM_SERVICES)
      : {};
  const allowedTypes = (dto.ALLOWED_SERVICE_TYPES ?? 'any').trim();
  cfg.serviceRegistration = {
    enabled: dto.SERVICE_REGISTRATION ?? false,
    requireApproval: dto.REQUIRE_SERVICE_APPROVAL ?? true,
    maxServices: dto.MAX_SERVICES ?? 50,
    allowedTypes: allowedTypes === 'any' || allowedTypes === '*' ? 'any' : splitList(allowedTypes),
    sessionExpirySec: dto.SERVICE_SESSION_EXPIRY ?? 3600,
    sessionIdleTimeoutSec: dto.SERVICE_SESSION_IDLE_TIMEOUT ?? 300,
  };

  cfg.socketio = {
    pingInterval: dto.SOCKETIO_PING_INTERVAL ?? 25000,
    pingTimeout: dto.SOCKETIO_PING_TIMEOUT ?? 20000,
    maxBufferSize: dto.SOCKETIO_MAX_BUFFER_SIZE ?? 1048576,
  };
  cfg.socketMaxBufferedBytes = dto.SOCKET_MAX_BUFFERED_BYTES ?? 1048576;
  cfg.recoveryWindowMs = dto.RECOVERY_WINDOW_MS ?? 120000;
  cfg.recoveryBufferBytes = dto.RECOVERY_BUFFER_BYTES ?? 32 * 1024 * 1024;
  cfg.maxIdleTimeMs = dto.MAX_IDLE_TIME ?? 1800000;
  cfg.connectTimeoutMs = dto.CONNECT_TIMEOUT_MS ?? 10000;
  cfg.socketMaxPackets = dto.SOCKET_MAX_PACKETS ?? 100;
  cfg.maxSocketsPerUser = dto.MAX_SOCKETS_PER_USER ?? 32;
  cfg.httpRequestTimeoutMs = dto.HTTP_REQUEST_TIMEOUT_MS ?? 30000;
  cfg.rateLimit = {
    connectionWindowMs: dto.RATE_LIMIT_CONNECTION_WINDOW ?? 60000,
    maxConnections: dto.RATE_LIMIT_MAX_CONNECTIONS ?? 30,
    overrides: dto.RATE_LIMITS ? parseRateLimits(dto.RATE_LIMITS) : {},
  };
  cfg.trustProxy = dto.TRUST_PROXY ?? 0;
  cfg.presenceNodeTtlMs = dto.PRESENCE_NODE_TTL_MS ?? 30000;
  cfg.presenceTtlMs = (dto.PRESENCE_TTL ?? 2592000) * 1000;
  cfg.typingTimeoutMs = dto.TYPING_TIMEOUT_MS ?? 3000;
  cfg.callRingTimeoutMs = dto.CALL_RING_TIMEOUT_MS ?? 45000;
  cfg.notifications = {
    maxPending: dto.NOTIFICATIONS_MAX_PENDING ?? 100,
    ttlSec: dto.NOTIFICATIONS_TTL ?? 2592000,
  };
  cfg.shutdown = parseShutdown(dto);
  cfg.deliverySliceMs = dto.DELIVERY_SLICE_MS ?? 10;
  cfg.redisPublishLingerMs = dto.REDIS_PUBLISH_LINGER_MS ?? 2;
  cfg.intake = { maxInFlight: dto.INTAKE_MAX_IN_FLIGHT ?? 2000, maxEventLoopDelayMs: dto.INTAKE_MAX_EVENT_LOOP_DELAY_MS ?? 50 };
  cfg.handshakeAdmission = {
    maxPending: dto.HANDSHAKE_MAX_PENDING ?? 64,
    maxEventLoopDelayMs: dto.HANDSHAKE_MAX_EVENT_LOOP_DELAY_MS ?? 50,
    maxQueued: dto.HANDSHAKE_MAX_QUEUED ?? 10000,
  };
  cfg.gcHelperThreads = (dto.GC_HELPER_THREADS as GcHelperThreads | undefined) ?? 'auto';
  cfg.gcPretenuring = dto.GC_PRETENURING ?? false;
  // Development mode is a person at a terminal: pretty by default; anything deployed logs JSON.
  cfg.log = { level: dto.LOG_LEVEL ?? 'info', format: (dto.LOG_FORMAT as 'json' | 'pretty' | undefined) ?? (cfg.generatedSecrets ? 'pretty' : 'json') };
  cfg.metricsEnabled = dto.METRICS_ENABLED ?? true;
  cfg.demoPage = dto.DEMO_PAGE ?? !production;
  cfg.adminUi = parseAdminUi(dto);
  return cfg;
}

function dropEmpty(env: Env): Env {
  const out: Env = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v.trim() !== '') out[k] = v;
  return out;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function parseJwt(dto: EnvironmentVariables, production: boolean): AppConfig['jwt'] {
  const algorithms = splitList(dto.JWT_ALGORITHMS ?? 'HS256');
  if (algorithms.length === 0) throw new ConfigError('JWT_ALGORITHMS', 'must list at least one algorithm');
  for (const alg of algorithms) {
    if (!HMAC_ALGORITHMS.includes(alg) && !KEY_ALGORITHMS.includes(alg)) {
      throw new ConfigError('JWT_ALGORITHMS', `contains unsupported algorithm "${alg.slice(0, 16)}"`);
    }
  }
  const publicKey = dto.JWT_PUBLIC_KEY ? readPublicKey(dto.JWT_PUBLIC_KEY) : undefined;
  if (production && !dto.JWT_SECRET && !publicKey) {
    throw new ConfigError('JWT_SECRET', 'is required when NODE_ENV=production (or set JWT_PUBLIC_KEY)');
  }
  const usesHmac = algorithms.some((a) => HMAC_ALGORITHMS.includes(a));
  const usesKeys = algorithms.some((a) => KEY_ALGORITHMS.includes(a));
  if (usesKeys && !publicKey) {
    throw new ConfigError('JWT_PUBLIC_KEY', 'is required for the RS*/ES*/PS* algorithms in JWT_ALGORITHMS');
  }
  if (publicKey && !usesKeys) {
    throw new ConfigError('JWT_ALGORITHMS', 'must include an RS*/ES*/PS* algorithm when JWT_PUBLIC_KEY is set');
  }
  if (usesHmac && !dto.JWT_SECRET && publicKey) {
    throw new ConfigError('JWT_SECRET', 'is required for the HS* algorithms in JWT_ALGORITHMS');
  }
  return {
    secret: dto.JWT_SECRET,
    publicKey,
    algorithms: algorithms as Algorithm[],
    issuer: dto.JWT_ISSUER,
    audience: dto.JWT_AUDIENCE,
    allowQueryToken: dto.ALLOW_QUERY_TOKEN ?? true,
  };
}

/** PEM text (or `\n`-escaped PEM) or the path of a PEM file; the variable names the error. */
function readPem(variable: string, value: string): string {
  const pem = value.replace(/\\n/g, '\n');
  if (pem.includes('-----BEGIN')) return pem;
  if (!existsSync(value)) throw new ConfigError(variable, 'is neither PEM text nor a readable file path');
  return readFileSync(value, 'utf8');
}

function readPublicKey(value: string): string {
  const pem = readPem('JWT_PUBLIC_KEY', value);
  try {
    createPublicKey(pem);
  } catch {
    throw new ConfigError('JWT_PUBLIC_KEY', 'is not a valid PEM public key');
  }
  return pem;
}

/**
 * JWT_PRIVATE_KEY: the key `npm run token` signs RS*, ES* and PS* tokens with. The gateway only
 * verifies tokens and never reads it (keep it out of the gateway's environment). It must pair
 * with JWT_PUBLIC_KEY, or the gateway would refuse every token signed with it.
 */
export function loadTokenPrivateKey(rawEnv: Env, jwt: AppConfig['jwt']): KeyObject | undefined {
  const env = dropEmpty(rawEnv);
  if (!env.JWT_PRIVATE_KEY) return undefined;
  let key: KeyObject;
  try {
    key = createPrivateKey(readPem('JWT_PRIVATE_KEY', env.JWT_PRIVATE_KEY));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError('JWT_PRIVATE_KEY', 'is not a valid PEM private key');
  }
  if (!jwt.publicKey) throw new ConfigError('JWT_PRIVATE_KEY', 'is set without JWT_PUBLIC_KEY: the gateway could not verify the tokens it signs');
  const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
  if (!spki(createPublicKey(key)).equals(spki(createPublicKey(jwt.publicKey)))) {
    throw new ConfigError('JWT_PRIVATE_KEY', 'does not pair with JWT_PUBLIC_KEY');
  }
  return key;
}

function parseCors(value: string | undefined): '*' | string[] {
  if (!value || value.trim() === '*') return '*';
  const origins = splitList(value);
  for (const o of origins) {
    if (!/^https?:\/\/[^\s/]+$/.test(o)) throw new ConfigError('CORS_ORIGIN', `has an invalid origin "${o.slice(0, 64)}"`);
  }
  return origins;
}

function parseHostPorts(value: string): Array<{ host: string; port: number }> {
  return splitList(value).map((entry) => {
    const i = entry.lastIndexOf(':');
    const port = Number(entry.slice(i + 1));
    if (port < 1 || port > 65535) throw new ConfigError('REDIS_CLUSTER_NODES', `has an invalid port in "${entry}"`);
    return { host: entry.slice(0, i), port };
  });
}

function parseEventList(value: string): string[] {
  const events = splitList(value);
  for (const e of events) {
    if (e.length > MAX_EVENT_NAME_LENGTH || /\s/.test(e) || (e.includes('*') && !/^[^*]*\*$/.test(e))) {
      throw new ConfigError('EMIT_ALLOWED_EVENTS', `has an invalid entry "${e.slice(0, 64)}" (a "*" may only end an entry)`);
    }
    if (RESERVED_EVENTS.has(e)) throw new ConfigError('EMIT_ALLOWED_EVENTS', `lists "${e}", an event name Socket.IO reserves`);
  }
  return events;
}

function parseJson(variable: string, value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new ConfigError(variable, 'is not valid JSON');
  }
}

function parseRateLimits(value: string): Record<string, RateLimitRule> {
  const parsed = parseJson('RATE_LIMITS', value);
  if (!isPlainObject(parsed)) throw new ConfigError('RATE_LIMITS', 'must be a JSON object of event: [limit, windowMs]');
  const out: Record<string, RateLimitRule> = {};
  for (const [event, rule] of Object.entries(parsed)) {
    const ok =
      Array.isArray(rule) &&
      rule.length === 2 &&
      rule.every((n) => Number.isInteger(n) && (n as number) > 0);
    if (!ok) throw new ConfigError('RATE_LIMITS', `entry "${event.slice(0, 64)}" must be [limit, windowMs] with positive integers`);
    out[event] = [rule[0] as number, rule[1] as number];
  }
  return out;
}

function parseServices(variable: string, value: string): Record<string, ServiceDefinition> {
  const parsed = parseJson(variable, value);
  if (!isPlainObject(parsed)) throw new ConfigError(variable, 'must be a JSON object of service name: config');
  const out: Record<string, ServiceDefinition> = {};
  for (const [name, raw] of Object.entries(parsed)) {
    const where = `entry "${name.slice(0, 64)}"`;
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new ConfigError(variable, `${where} has an invalid name (1-64 of A-Z a-z 0-9 _ . -)`);
    if (!isPlainObject(raw)) throw new ConfigError(variable, `${where} must be an object`);
    if (typeof raw.key !== 'string' || raw.key.length < 16) throw new ConfigError(variable, `${where} needs a "key" of at least 16 characters`);
    if (typeof raw.type !== 'string' || raw.type.length === 0) throw new ConfigError(variable, `${where} needs a string "type"`);
    if (raw.enabled !== undefined && typeof raw.enabled !== 'boolean') throw new ConfigError(variable, `${where} has a non-boolean "enabled"`);
    if (raw.description !== undefined && typeof raw.description !== 'string') throw new ConfigError(variable, `${where} has a non-string "description"`);
    if (raw.metadata !== undefined && !isPlainObject(raw.metadata)) throw new ConfigError(variable, `${where} has a non-object "metadata"`);
    out[name] = {
      key: raw.key,
      type: raw.type,
      description: raw.description as string | undefined,
      enabled: (raw.enabled as boolean | undefined) ?? true,
      metadata: raw.metadata as Record<string, unknown> | undefined,
    };
  }
  return out;
}

/** The drain's phases must end before the deadline that forces the exit (docs/protocol.md §7). */
function parseShutdown(dto: EnvironmentVariables): AppConfig['shutdown'] {
  const shutdown = {
    drainDelayMs: dto.SHUTDOWN_DRAIN_DELAY_MS ?? 5000,
    spreadMs: dto.SHUTDOWN_SPREAD_MS ?? 10000,
    timeoutMs: dto.SHUTDOWN_TIMEOUT_MS ?? 30000,
  };
  if (shutdown.drainDelayMs + shutdown.spreadMs >= shutdown.timeoutMs) {
    throw new ConfigError(
      'SHUTDOWN_TIMEOUT_MS',
      `(${shutdown.timeoutMs}) must exceed SHUTDOWN_DRAIN_DELAY_MS + SHUTDOWN_SPREAD_MS (${shutdown.drainDelayMs} + ${shutdown.spreadMs}), leaving time for in-flight work`,
    );
  }
  return shutdown;
}

/** ADMIN_UI=true needs its own credentials: there is no default user or password. */
function parseAdminUi(dto: EnvironmentVariables): AdminUiSettings | undefined {
  if (!dto.ADMIN_UI) return undefined;
  if (!dto.ADMIN_UI_USERNAME) throw new ConfigError('ADMIN_UI_USERNAME', 'is required when ADMIN_UI=true');
  if (!dto.ADMIN_UI_PASSWORD_HASH) {
    throw new ConfigError('ADMIN_UI_PASSWORD_HASH', 'is required when ADMIN_UI=true (a bcrypt hash; make one with npm run admin-ui:hash)');
  }
  return {
    username: dto.ADMIN_UI_USERNAME,
    passwordHash: dto.ADMIN_UI_PASSWORD_HASH,
    // Payloads and the socket list only when asked for by name (docs/security.md), never by a missing NODE_ENV.
    mode: (dto.ADMIN_UI_MODE as AdminUiSettings['mode'] | undefined) ?? 'production',
    readonly: dto.ADMIN_UI_READONLY ?? true,
  };
}
