import 'reflect-metadata';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

/** Accepts the usual spellings; anything else stays a string so @IsBoolean reports it. */
function toBoolean({ value }: { value: unknown }): unknown {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
}

/** TRUST_PROXY: `false`/`true` (0 or 1 proxy) or a number of proxies; anything else stays a string for @IsInt. */
function toHopCount({ value }: { value: unknown }): unknown {
  const b = toBoolean({ value });
  if (typeof b === 'boolean') return b ? 1 : 0;
  if (typeof value === 'string' && /^\s*\d{1,3}\s*$/.test(value)) return Number(value);
  return value;
}

const HOST_PORT = /^[^\s:,]+:\d{1,5}(\s*,\s*[^\s:,]+:\d{1,5})*$/;
/** A bcrypt hash: `$2a$`/`$2b$`/`$2y$`, a cost of 04-31, 22 characters of salt and 31 of hash. */
export const BCRYPT_HASH = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

/**
 * Raw environment, one property per variable of docs/protocol.md §1. Only format checks live here;
 * load-config.ts adds the rules that span several variables and builds AppConfig.
 */
export class EnvironmentVariables {
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(65535) PORT?: number;
  @IsOptional() @IsString() @MinLength(1) HOST?: string;
  @IsOptional() @IsString() NODE_ENV?: string;

  @IsOptional() @IsString() @MinLength(16, { message: 'JWT_SECRET must be at least 16 characters long' })
  JWT_SECRET?: string;
  @IsOptional() @IsString() JWT_PUBLIC_KEY?: string;
  @IsOptional() @IsString() JWT_ALGORITHMS?: string;
  @IsOptional() @IsString() JWT_ISSUER?: string;
  @IsOptional() @IsString() JWT_AUDIENCE?: string;
  @IsOptional() @Transform(toBoolean) @IsBoolean() ALLOW_QUERY_TOKEN?: boolean;
  @IsOptional() @IsString() CORS_ORIGIN?: string;

  @IsOptional() @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;
  @IsOptional() @IsString() REDIS_HOST?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(65535) REDIS_PORT?: number;
  @IsOptional() @IsString() REDIS_PASS?: string;
  @IsOptional() @Matches(HOST_PORT, { message: 'REDIS_CLUSTER_NODES must be a comma-separated host:port list' })
  REDIS_CLUSTER_NODES?: string;
  @IsOptional() @Matches(/^[A-Za-z0-9:_.-]{1,64}$/, { message: 'SOCKET_CONTROL_PREFIX must be 1-64 characters of A-Z a-z 0-9 : _ . -' })
  SOCKET_CONTROL_PREFIX?: string;

  @IsOptional() @IsString() @MinLength(8, { message: 'INTERNAL_SECRET must be at least 8 characters long' })
  INTERNAL_SECRET?: string;
  @IsOptional() @IsString() AUTH_TOKEN?: string;
  @IsOptional() @IsString() SECRET_KEY?: string;
  @IsOptional() @IsString() SECRET_IV?: string;
  @IsOptional() @Transform(toBoolean) @IsBoolean() CONTROL_ALLOW_PLAINTEXT?: boolean;
  @IsOptional() @Transform(toBoolean) @IsBoolean() CONTROL_ALLOW_LEGACY?: boolean;
  @IsOptional() @IsString() EMIT_ALLOWED_EVENTS?: string;

  @IsOptional() @IsIn(['single', 'multi']) SESSION_POLICY?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) MAX_SESSIONS_PER_USER?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(60) SESSION_REVOKE_TTL?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(65535) INTERNAL_PORT?: number;
  @IsOptional() @IsString() INTERNAL_SERVICES?: string;
  @IsOptional() @IsString() CUSTOM_SERVICES?: string;
  @IsOptional() @Transform(toBoolean) @IsBoolean() SERVICE_REGISTRATION?: boolean;
  @IsOptional() @Transform(toBoolean) @IsBoolean() REQUIRE_SERVICE_APPROVAL?: boolean;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10000) MAX_SERVICES?: number;
  @IsOptional() @IsString() @MaxLength(2000) ALLOWED_SERVICE_TYPES?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) SERVICE_SESSION_EXPIRY?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) SERVICE_SESSION_IDLE_TIMEOUT?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(100) SOCKETIO_PING_INTERVAL?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(100) SOCKETIO_PING_TIMEOUT?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1024) @Max(100 * 1024 * 1024) SOCKETIO_MAX_BUFFER_SIZE?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1024) SOCKET_MAX_BUFFERED_BYTES?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) RECOVERY_WINDOW_MS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1024) RECOVERY_BUFFER_BYTES?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1000) MAX_IDLE_TIME?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(100) @Max(600_000) CONNECT_TIMEOUT_MS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100_000) SOCKET_MAX_PACKETS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100_000) MAX_SOCKETS_PER_USER?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(100) @Max(3_600_000) HTTP_REQUEST_TIMEOUT_MS?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1000) RATE_LIMIT_CONNECTION_WINDOW?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) RATE_LIMIT_MAX_CONNECTIONS?: number;
  @IsOptional() @IsString() RATE_LIMITS?: string;
  @IsOptional()
  @Transform(toHopCount)
  @IsInt({ message: 'TRUST_PROXY must be false, true or the number of proxies in front of the gateway' })
  @Min(0)
  @Max(32)
  TRUST_PROXY?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1000) PRESENCE_NODE_TTL_MS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(60) PRESENCE_TTL?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(100) TYPING_TIMEOUT_MS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1000) CALL_RING_TIMEOUT_MS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10000) NOTIFICATIONS_MAX_PENDING?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) NOTIFICATIONS_TTL?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) SHUTDOWN_DRAIN_DELAY_MS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) SHUTDOWN_SPREAD_MS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) SHUTDOWN_TIMEOUT_MS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) INTAKE_MAX_IN_FLIGHT?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) INTAKE_MAX_EVENT_LOOP_DELAY_MS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(1000) DELIVERY_SLICE_MS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(100) REDIS_PUBLISH_LINGER_MS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) HANDSHAKE_MAX_PENDING?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) HANDSHAKE_MAX_EVENT_LOOP_DELAY_MS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) HANDSHAKE_MAX_QUEUED?: number;

  @IsOptional() @IsIn(['auto', 'on', 'off']) GC_HELPER_THREADS?: string;
  @IsOptional() @Transform(toBoolean) @IsBoolean() GC_PRETENURING?: boolean;

  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL?: string;
  @IsOptional() @IsIn(['json', 'pretty']) LOG_FORMAT?: string;
  @IsOptional() @Transform(toBoolean) @IsBoolean() METRICS_ENABLED?: boolean;
  @IsOptional() @Transform(toBoolean) @IsBoolean() DEMO_PAGE?: boolean;

  @IsOptional() @Transform(toBoolean) @IsBoolean() ADMIN_UI?: boolean;
  @IsOptional() @Matches(/^[^\s]{1,64}$/, { message: 'ADMIN_UI_USERNAME must be 1-64 characters without spaces' })
  ADMIN_UI_USERNAME?: string;
  // The message never repeats the value: it may be a password pasted by mistake.
  @IsOptional() @Matches(BCRYPT_HASH, { message: 'ADMIN_UI_PASSWORD_HASH must be a bcrypt hash ($2a$, $2b$ or $2y$; make one with npm run admin-ui:hash)' })
  ADMIN_UI_PASSWORD_HASH?: string;
  @IsOptional() @IsIn(['development', 'production']) ADMIN_UI_MODE?: string;
  @IsOptional() @Transform(toBoolean) @IsBoolean() ADMIN_UI_READONLY?: boolean;
}
