import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEFAULT_EMIT_ALLOWED_EVENTS, loadConfig } from './load-config.js';

const SECRET = 'unit-test-jwt-secret-0123456789';

function errorOf(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  describe('defaults', () => {
    it('applies every documented default with the memory engine', () => {
      const sut = loadConfig({ JWT_SECRET: SECRET });
      expect(sut).toMatchObject({
        port: 3000,
        host: '0.0.0.0',
        engine: 'memory',
        prefix: 'socket:control',
        corsOrigin: '*',
        generatedSecrets: false,
        jwt: { algorithms: ['HS256'], allowQueryToken: true },
        controlBus: { allowPlaintext: true, allowLegacy: true },
        session: { policy: 'single', maxPerUser: 10, revokeTtlSec: 86400 },
        serviceRegistration: { enabled: false, requireApproval: true, maxServices: 50, allowedTypes: 'any', sessionExpirySec: 3600, sessionIdleTimeoutSec: 300 },
        socketio: { pingInterval: 25000, pingTimeout: 20000, maxBufferSize: 1048576 },
        recoveryWindowMs: 120000,
        maxIdleTimeMs: 1800000,
        connectTimeoutMs: 10000,
        socketMaxPackets: 100,
        maxSocketsPerUser: 32,
        httpRequestTimeoutMs: 30000,
        rateLimit: { connectionWindowMs: 60000, maxConnections: 30, overrides: {} },
        trustProxy: 0,
        presenceNodeTtlMs: 30000,
        presenceTtlMs: 2592000 * 1000,
        typingTimeoutMs: 3000,
        callRingTimeoutMs: 45000,
        notifications: { maxPending: 100, ttlSec: 2592000 },
        shutdown: { drainDelayMs: 5000, spreadMs: 10000, timeoutMs: 30000 },
        socketMaxBufferedBytes: 1048576,
        gcHelperThreads: 'auto',
        gcPretenuring: false,
        intake: { maxInFlight: 2000, maxEventLoopDelayMs: 50 },
        handshakeAdmission: { maxPending: 64, maxEventLoopDelayMs: 50, maxQueued: 10000 },
        log: { level: 'info', format: 'json' },
        metricsEnabled: true,
      });
      expect(sut.emitAllowedEvents).toEqual(DEFAULT_EMIT_ALLOWED_EVENTS.split(','));
      expect(sut.internalSecret).toBeUndefined();
    });

    it('treats empty strings as unset', () => {
      expect(loadConfig({ JWT_SECRET: SECRET, PORT: '', REDIS_URL: '  ' })).toMatchObject({ port: 3000, engine: 'memory' });
    });
  });

  describe('development secrets', () => {
    it('generates a JWT secret and an internal secret outside production', () => {
      const sut = loadConfig({});
      expect(sut.generatedSecrets).toBe(true);
      expect(sut.jwt.secret).toEqual(expect.any(String));
      expect(sut.jwt.secret!.length).toBeGreaterThanOrEqual(32);
      expect(sut.internalSecret).toEqual(expect.any(String));
    });

    it('keeps a configured internal secret, and says it was not generated', () => {
      const sut = loadConfig({ INTERNAL_SECRET: 'configured-secret' });
      expect(sut.internalSecret).toBe('configured-secret');
      expect(sut.generatedInternalSecret).toBe(false);
      expect(loadConfig({}).generatedInternalSecret).toBe(true);
      expect(loadConfig({ SECRET_KEY: 'a-control-bus-key' }).generatedInternalSecret).toBe(false);
    });

    it('binds 127.0.0.1 unless HOST is set; outside development mode 0.0.0.0', () => {
      expect(loadConfig({}).host).toBe('127.0.0.1');
      expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
      expect(loadConfig({ JWT_SECRET: SECRET }).host).toBe('0.0.0.0');
    });

    it('is fatal in production', () => {
      expect(errorOf({ NODE_ENV: 'production' }).variable).toBe('JWT_SECRET');
    });
  });

  describe('engine selection', () => {
    it.each([
      [{ REDIS_URL: 'redis://127.0.0.1:6380' }],
      [{ REDIS_HOST: 'redis' }],
      [{ REDIS_CLUSTER_NODES: 'a:7000, b:7001' }],
    ])('uses Redis for %j', (env) => {
      expect(loadConfig({ JWT_SECRET: SECRET, ...env }).engine).toBe('redis');
    });

    it('parses cluster nodes', () => {
      expect(loadConfig({ JWT_SECRET: SECRET, REDIS_CLUSTER_NODES: 'a:7000,b.local:7001' }).redis.clusterNodes).toEqual([
        { host: 'a', port: 7000 },
        { host: 'b.local', port: 7001 },
      ]);
    });
  });

  describe('internal secret fallbacks', () => {
    it.each([
      [{ INTERNAL_SECRET: 'primary-secret', AUTH_TOKEN: 'auth-token-x', SECRET_KEY: 'secret-key-x' }, 'primary-secret'],
      [{ AUTH_TOKEN: 'auth-token-x', SECRET_KEY: 'secret-key-x' }, 'auth-token-x'],
      [{ SECRET_KEY: 'secret-key-x' }, 'secret-key-x'],
    ])('picks the first of INTERNAL_SECRET, AUTH_TOKEN, SECRET_KEY (%j)', (env, expected) => {
      expect(loadConfig({ JWT_SECRET: SECRET, ...env }).internalSecret).toBe(expected);
    });
  });

  describe('JWT keys', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

    it('accepts a PEM public key as text or as a file path', () => {
      const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
      const file = join(dir, 'jwt.pem');
      writeFileSync(file, pem);
      expect(loadConfig({ JWT_PUBLIC_KEY: pem, JWT_ALGORITHMS: 'ES256' }).jwt.publicKey).toBe(pem);
      expect(loadConfig({ JWT_PUBLIC_KEY: file, JWT_ALGORITHMS: 'ES256' }).jwt.publicKey).toBe(pem);
    });

    it.each([
      [{ JWT_SECRET: SECRET, JWT_ALGORITHMS: 'none' }, 'JWT_ALGORITHMS'],
      [{ JWT_SECRET: SECRET, JWT_ALGORITHMS: 'HS256,XY1' }, 'JWT_ALGORITHMS'],
      [{ JWT_SECRET: SECRET, JWT_ALGORITHMS: 'RS256' }, 'JWT_PUBLIC_KEY'],
      [{ JWT_PUBLIC_KEY: pem, JWT_ALGORITHMS: 'HS256' }, 'JWT_ALGORITHMS'],
      [{ JWT_PUBLIC_KEY: pem, JWT_ALGORITHMS: 'ES256,HS256' }, 'JWT_SECRET'],
      [{ JWT_PUBLIC_KEY: '/nonexistent/key.pem', JWT_ALGORITHMS: 'RS256' }, 'JWT_PUBLIC_KEY'],
      [{ JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----', JWT_ALGORITHMS: 'RS256' }, 'JWT_PUBLIC_KEY'],
      [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    ])('rejects %j naming %s', (env, variable) => {
      expect(errorOf(env).variable).toBe(variable);
    });
  });

  describe('format errors', () => {
    it.each([
      ['PORT', 'abc'],
      ['PORT', '70000'],
      ['PORT', '1.5'],
      ['REDIS_PORT', '0'],
      ['REDIS_URL', 'http://example'],
      ['REDIS_CLUSTER_NODES', 'no-port'],
      ['SOCKET_CONTROL_PREFIX', 'has space'],
      ['ALLOW_QUERY_TOKEN', 'maybe'],
      ['CONTROL_ALLOW_PLAINTEXT', 'sometimes'],
      ['SESSION_POLICY', 'both'],
      ['MAX_SESSIONS_PER_USER', '0'],
      ['SESSION_REVOKE_TTL', '5'],
      ['CORS_ORIGIN', 'not-an-origin'],
      ['EMIT_ALLOWED_EVENTS', 'a*b'],
      ['RATE_LIMITS', '{bad'],
      ['RATE_LIMITS', '{"message:new":[0,1000]}'],
      ['RATE_LIMITS', '[1,2]'],
      ['INTERNAL_SERVICES', '[1]'],
      ['INTERNAL_SERVICES', '{"svc":{"key":"short","type":"x"}}'],
      ['INTERNAL_SERVICES', '{"bad name":{"key":"0123456789abcdef","type":"x"}}'],
      ['CUSTOM_SERVICES', 'nope'],
      ['SOCKETIO_MAX_BUFFER_SIZE', '10'],
      ['LOG_LEVEL', 'loud'],
      ['LOG_FORMAT', 'xml'],
      ['METRICS_ENABLED', '2'],
      ['TRUST_PROXY', 'y3s'],
      ['TRUST_PROXY', '-1'],
      ['TRUST_PROXY', '1.5'],
      ['CONTROL_ALLOW_LEGACY', 'maybe'],
      ['DEMO_PAGE', 'sometimes'],
      ['CONNECT_TIMEOUT_MS', '10'],
      ['CONNECT_TIMEOUT_MS', 'soon'],
      ['SOCKET_MAX_PACKETS', '0'],
      ['MAX_SOCKETS_PER_USER', '0'],
      ['MAX_SOCKETS_PER_USER', '2.5'],
      ['HTTP_REQUEST_TIMEOUT_MS', '0'],
      ['EMIT_ALLOWED_EVENTS', 'message,connect'],
      ['EMIT_ALLOWED_EVENTS', 'disconnecting'],
    ])('%s=%s fails with a one-line message naming it', (variable, value) => {
      const err = errorOf({ JWT_SECRET: SECRET, [variable]: value });
      expect(err.variable).toBe(variable);
      expect(err.message).toContain(variable);
      expect(err.message).not.toContain('\n');
    });

    it('rejects INTERNAL_PORT equal to PORT', () => {
      expect(errorOf({ JWT_SECRET: SECRET, PORT: '4000', INTERNAL_PORT: '4000' }).variable).toBe('INTERNAL_PORT');
    });

    it.each([
      [{ SHUTDOWN_TIMEOUT_MS: '15000' }],
      [{ SHUTDOWN_DRAIN_DELAY_MS: '20000', SHUTDOWN_SPREAD_MS: '10000' }],
    ])('rejects a drain that does not fit in SHUTDOWN_TIMEOUT_MS (%j)', (env) => {
      const err = errorOf({ JWT_SECRET: SECRET, ...env });
      expect(err.variable).toBe('SHUTDOWN_TIMEOUT_MS');
      expect(err.message).toMatch(/SHUTDOWN_DRAIN_DELAY_MS \+ SHUTDOWN_SPREAD_MS/);
    });

    it('accepts a drain shorter than the timeout, and turning the delay and spread off', () => {
      expect(loadConfig({ JWT_SECRET: SECRET, SHUTDOWN_DRAIN_DELAY_MS: '0', SHUTDOWN_SPREAD_MS: '0', SHUTDOWN_TIMEOUT_MS: '1000' }).shutdown).toEqual({
        drainDelayMs: 0,
        spreadMs: 0,
        timeoutMs: 1000,
      });
    });
  });

  describe('demo page', () => {
    it.each<[Record<string, string>, boolean]>([
      [{}, true],
      [{ NODE_ENV: 'production' }, false],
      [{ NODE_ENV: 'production', DEMO_PAGE: 'true' }, true],
      [{ DEMO_PAGE: 'false' }, false],
    ])('%j gives demoPage %s', (env, expected) => {
      expect(loadConfig({ JWT_SECRET: SECRET, ...env }).demoPage).toBe(expected);
    });
  });

  describe('parsed values', () => {
    it('parses lists, booleans, JSON and services', () => {
      const sut = loadConfig({
        JWT_SECRET: SECRET,
        CORS_ORIGIN: 'https://a.example, http://localhost:5173',
        ALLOW_QUERY_TOKEN: 'false',
        TRUST_PROXY: 'yes',
        RATE_LIMITS: '{"message:new":[5,1000]}',
        ALLOWED_SERVICE_TYPES: 'billing, chat',
        CUSTOM_SERVICES: '{"billing":{"key":"0123456789abcdef","type":"billing"}}',
      });
      expect(sut.corsOrigin).toEqual(['https://a.example', 'http://localhost:5173']);
      expect(sut.jwt.allowQueryToken).toBe(false);
      expect(sut.trustProxy).toBe(1);
      expect(sut.rateLimit.overrides).toEqual({ 'message:new': [5, 1000] });
      expect(sut.serviceRegistration.allowedTypes).toEqual(['billing', 'chat']);
      expect(sut.services.billing).toEqual({ key: '0123456789abcdef', type: 'billing', enabled: true, description: undefined, metadata: undefined });
    });

    it('prefers INTERNAL_SERVICES over its alias CUSTOM_SERVICES', () => {
      const sut = loadConfig({
        JWT_SECRET: SECRET,
        INTERNAL_SERVICES: '{"a":{"key":"0123456789abcdef","type":"t"}}',
        CUSTOM_SERVICES: '{"b":{"key":"0123456789abcdef","type":"t"}}',
      });
      expect(Object.keys(sut.services)).toEqual(['a']);
    });
  });
});

describe('loadConfig', () => {
  describe('ADMIN_UI', () => {
    // A real bcrypt hash (cost 4) of "operator-password-0123".
    const HASH = '$2b$04$mMtkg/YvdmMY48KFFCceV.JoGcNhijTF6CmrrvAUoLCumpZAoQnDm';
    const ON = { JWT_SECRET: SECRET, ADMIN_UI: 'true', ADMIN_UI_USERNAME: 'operator', ADMIN_UI_PASSWORD_HASH: HASH };

    it('is off by default, whatever else is set', () => {
      expect(loadConfig({ JWT_SECRET: SECRET }).adminUi).toBeUndefined();
      expect(loadConfig({ ...ON, ADMIN_UI: 'false' }).adminUi).toBeUndefined();
    });

    it('on: read-only, production mode (no payloads) unless ADMIN_UI_MODE=development, whatever NODE_ENV says', () => {
      expect(loadConfig(ON).adminUi).toEqual({ username: 'operator', passwordHash: HASH, mode: 'production', readonly: true });
      expect(loadConfig({ ...ON, ADMIN_UI_MODE: 'development' }).adminUi).toMatchObject({ mode: 'development' });
      expect(loadConfig({ ...ON, NODE_ENV: 'production' }).adminUi).toMatchObject({ mode: 'production' });
      expect(loadConfig({ ...ON, NODE_ENV: 'production', ADMIN_UI_MODE: 'development', ADMIN_UI_READONLY: 'false' }).adminUi).toMatchObject({
        mode: 'development',
        readonly: false,
      });
    });

    it.each(['$2a$10$', '$2y$31$', '$2b$04$'])('accepts the %s hash forms', (head) => {
      expect(loadConfig({ ...ON, ADMIN_UI_PASSWORD_HASH: `${head}${HASH.slice(7)}` }).adminUi?.passwordHash).toBe(`${head}${HASH.slice(7)}`);
    });

    it('requires a username and a hash when on: there are no defaults', () => {
      expect(errorOf({ ...ON, ADMIN_UI_PASSWORD_HASH: undefined }).message).toBe(
        'Invalid configuration: ADMIN_UI_PASSWORD_HASH is required when ADMIN_UI=true (a bcrypt hash; make one with npm run admin-ui:hash)',
      );
      expect(errorOf({ ...ON, ADMIN_UI_PASSWORD_HASH: '  ' }).variable).toBe('ADMIN_UI_PASSWORD_HASH');
      expect(errorOf({ ...ON, ADMIN_UI_USERNAME: undefined }).message).toBe('Invalid configuration: ADMIN_UI_USERNAME is required when ADMIN_UI=true');
    });

    it.each([
      ['a plain password', 'operator-password-0123'],
      ['a cost out of range', `$2b$03$${HASH.slice(7)}`],
      ['an unknown version', `$2x$10$${HASH.slice(7)}`],
      ['a truncated hash', HASH.slice(0, -1)],
      ['a hash with a trailing character', `${HASH}x`],
    ])('rejects %s as the hash without repeating the value', (_label, value) => {
      const err = errorOf({ ...ON, ADMIN_UI_PASSWORD_HASH: value });
      expect(err.variable).toBe('ADMIN_UI_PASSWORD_HASH');
      expect(err.message).toBe(
        'Invalid configuration: ADMIN_UI_PASSWORD_HASH must be a bcrypt hash ($2a$, $2b$ or $2y$; make one with npm run admin-ui:hash)',
      );
      expect(err.message).not.toContain(value);
    });

    it.each([
      ['ADMIN_UI', 'maybe'],
      ['ADMIN_UI_USERNAME', 'two words'],
      ['ADMIN_UI_MODE', 'debug'],
      ['ADMIN_UI_READONLY', 'sometimes'],
    ])('rejects %s=%s', (variable, value) => {
      expect(errorOf({ ...ON, [variable]: value }).variable).toBe(variable);
    });
  });
});
