import type { Algorithm } from 'jsonwebtoken';

export type EngineKind = 'memory' | 'redis';
export type SessionPolicy = 'single' | 'multi';
/** GC_HELPER_THREADS: `auto` drops V8's GC helper threads when the process may use one CPU only. */
export type GcHelperThreads = 'auto' | 'on' | 'off';
export type RateLimitRule = [limit: number, windowMs: number];

export interface RedisSettings {
  url?: string;
  host?: string;
  port: number;
  password?: string;
  clusterNodes?: Array<{ host: string; port: number }>;
}

export interface ServiceDefinition {
  key: string;
  type: string;
  description?: string;
  enabled: boolean;
  metadata?: Record<string, unknown>;
}

export interface AdminUiSettings {
  username: string;
  /** bcrypt hash of the password: never logged, never shown. */
  passwordHash: string;
  /** `development`: socket list and every event; `production`: aggregated figures only. */
  mode: 'development' | 'production';
  /** No emit, join, leave or disconnect from the UI. */
  readonly: boolean;
}

/**
 * The whole configuration, parsed and validated once at start-up (see load-config.ts).
 * Injected by class token so consumers get the type without string keys.
 */
export class AppConfig {
  port!: number;
  host!: string;
  production!: boolean;
  /** True when the JWT secret was generated because none was configured (development only). */
  generatedSecrets!: boolean;
  nodeId!: string;
  jwt!: {
    secret?: string;
    publicKey?: string;
    algorithms: Algorithm[];
    issuer?: string;
    audience?: string;
    allowQueryToken: boolean;
  };
  corsOrigin!: '*' | string[];
  engine!: EngineKind;
  redis!: RedisSettings;
  prefix!: string;
  /** Bearer secret of the internal HTTP API; undefined disables those routes. */
  internalSecret?: string;
  /**
   * True when `internalSecret` was generated (development mode, none configured): only then may
   * the banner and the demo page show it (docs/security.md).
   */
  generatedInternalSecret!: boolean;
  /** `allowLegacy`: accept field-encrypted (and plain) messages besides sealed ones (docs/protocol.md §5). */
  controlBus!: { secretKey?: string; secretIv?: string; allowPlaintext: boolean; allowLegacy: boolean };
  emitAllowedEvents!: string[];
  session!: { policy: SessionPolicy; maxPerUser: number; revokeTtlSec: number };
  internalPort?: number;
  services!: Record<string, ServiceDefinition>;
  serviceRegistration!: {
    enabled: boolean;
    requireApproval: boolean;
    maxServices: number;
    allowedTypes: string[] | 'any';
    sessionExpirySec: number;
    sessionIdleTimeoutSec: number;
  };
  socketio!: { pingInterval: number; pingTimeout: number; maxBufferSize: number };
  /** SOCKET_MAX_BUFFERED_BYTES: unsent outbound bytes one socket may hold before it is closed as slow (docs/protocol.md §4.8). */
  socketMaxBufferedBytes!: number;
  recoveryWindowMs!: number;
  /** Memory engine: bound of the recovery packet buffer (encoded bytes plus per-packet overhead). */
  recoveryBufferBytes!: number;
  maxIdleTimeMs!: number;
  /** A transport that has not joined a namespace by then is closed (CONNECT_TIMEOUT_MS). */
  connectTimeoutMs!: number;
  /** Packets one socket may send per second, averaged over 5 s (SOCKET_MAX_PACKETS, docs/protocol.md §4.8). */
  socketMaxPackets!: number;
  /** Concurrent sockets of one user across all nodes (MAX_SOCKETS_PER_USER, docs/protocol.md §2.1). */
  maxSocketsPerUser!: number;
  /** An HTTP request whose body has not fully arrived by then is answered 408 (HTTP_REQUEST_TIMEOUT_MS). */
  httpRequestTimeoutMs!: number;
  rateLimit!: {
    connectionWindowMs: number;
    maxConnections: number;
    overrides: Record<string, RateLimitRule>;
  };
  /** Number of proxies in front of the gateway whose X-Forwarded-For hops are trusted (0: none). */
  trustProxy!: number;
  presenceNodeTtlMs!: number;
  /** PRESENCE_TTL: how long a user's stored status and last-seen time outlive their latest change. */
  presenceTtlMs!: number;
  typingTimeoutMs!: number;
  callRingTimeoutMs!: number;
  notifications!: { maxPending: number; ttlSec: number };
  /** The graceful drain (docs/operations.md, src/lifecycle/): delay + spread < timeout, checked at load. */
  shutdown!: { drainDelayMs: number; spreadMs: number; timeoutMs: number };
  /** Overload bounds of the backend intake (docs/protocol.md §6.3); past either, emits answer 503 + Retry-After. */
  intake!: { maxInFlight: number; maxEventLoopDelayMs: number };
  /** Time one event-loop turn spends writing publications to sockets (src/cluster/sliced-writes.ts); 0: no slicing. */
  deliverySliceMs!: number;
  /**
   * Redis engine: the least time (ms) between two publish calls of this node (src/engine/redis/redis-broker.ts).
   * A publication made sooner after the previous call waits for the rest of it and goes with the others made
   * meanwhile, in one call; 0: every turn of the event loop sends its own.
   */
  redisPublishLingerMs!: number;
  /** Admission of new connections under a reconnect storm (src/admission/handshake-admission.ts). */
  handshakeAdmission!: { maxPending: number; maxEventLoopDelayMs: number; maxQueued: number };
  /** V8's garbage-collection helper threads (src/runtime/gc-tuning.ts); `auto`: off on one CPU. */
  gcHelperThreads!: GcHelperThreads;
  /** V8's allocation-site pretenuring (GC_PRETENURING); off by default (src/runtime/gc-tuning.ts). */
  gcPretenuring!: boolean;
  log!: { level: string; format: 'json' | 'pretty' };
  metricsEnabled!: boolean;
  /** GET /demo (a page that connects, logs events and sends messages): on outside production unless DEMO_PAGE=false. */
  demoPage!: boolean;
  /** The Socket.IO Admin UI (ADMIN_UI=true); undefined when off. `passwordHash` is a secret. */
  adminUi?: AdminUiSettings;
}
