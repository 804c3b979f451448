// docs/protocol.md §2.1 (handshake authentication) and §2.2 (token lifetime), end to end: the real app
// on a free port, real socket.io-client sockets, the internal HTTP API through supertest.
import { createHmac, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import type { ConnectedPayload } from '../../src/socket/events.js';
import { type TestApp, TEST_INTERNAL_SECRET, TEST_JWT_SECRET, redisEnv, signToken, startApp, uniquePrefix, userToken, useApp } from '../support/app.js';
import { type ClientSocket, type ConnectErrorLike, type ConnectOptions, closeAllClients, collect, connectError, connectUser, createClient, disconnected, firstOf, nextEvent } from '../support/client.js';
import { eventually } from '../support/eventually.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';
import type { Ack } from '../../src/socket/events.js';
import { push } from '../support/backend.js';


const nowSec = () => Math.floor(Date.now() / 1000);
const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** A JWT assembled by hand, for tokens jsonwebtoken refuses to sign (alg none, odd claim types, key confusion). */
function handToken(header: Record<string, unknown>, payload: Record<string, unknown>, hmacKey?: string): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = hmacKey === undefined ? '' : createHmac('sha256', hmacKey).update(input).digest('base64url');
  return `${input}.${signature}`;
}

/** An HS256 token with the test secret and an arbitrary payload (no claim checks on the signing side). */
function rawHs256(payload: Record<string, unknown>): string {
  return handToken({ alg: 'HS256', typ: 'JWT' }, { exp: nowSec() + 3600, ...payload }, TEST_JWT_SECRET);
}

function expectRefused(err: ConnectErrorLike, code: string): void {
  expect(err.message).toBe(code);
  expect(err.data).toEqual({ code, message: expect.any(String) });
}

/** Connects and resolves with the socket and its `connected` payload. */
async function connectWithPayload(
  url: string,
  opts: ConnectOptions,
): Promise<{ socket: ClientSocket; payload: ConnectedPayload }> {
  const socket = createClient(url, opts);
  const { event, payload } = await firstOf<ConnectedPayload & ConnectErrorLike>(socket, ['connected', 'connect_error']);
  if (event === 'connect_error') throw new Error(`connect_error ${payload.message} ${JSON.stringify(payload.data)}`);
  return { socket, payload };
}

const connectAs = (url: string, token: string) => connectWithPayload(url, { auth: { token } });

function refresh(socket: ClientSocket, token: unknown): Promise<Ack> {
  return socket.timeout(5000).emitWithAck('auth:refresh', { token }) as Promise<Ack>;
}

function expMsOf(token: string): number {
  return (jwt.decode(token) as { exp: number }).exp * 1000;
}


/** Proves the socket is connected and in `user:{userId}`: a push to the user arrives on it. */
async function expectReachable(sut: TestApp, socket: ClientSocket, userId: string): Promise<void> {
  const marker = { probe: Math.random().toString(36).slice(2) };
  const arrived = nextEvent(socket, 'notification:new');
  await push(sut, { userId, event: 'notification:new', payload: marker });
  await expect(arrived).resolves.toEqual(marker);
}

function kick(sut: TestApp, body: Record<string, unknown>) {
  return request(sut.app.getHttpServer())
    .post('/internal/kick')
    .set('Authorization', `Bearer ${TEST_INTERNAL_SECRET}`)
    .send(body)
    .expect(200);
}

describe('handshake authentication (memory engine)', () => {
  const sut = useApp({}, { closeClients: 'each' });

  describe('AUTH_REQUIRED', () => {
    it('refuses a handshake without any token', async () => {
      expectRefused(await connectError(sut.url, undefined), 'AUTH_REQUIRED');
    });

    it('refuses an empty auth.token and a non-Bearer Authorization header', async () => {
      expectRefused(await connectError(sut.url, ''), 'AUTH_REQUIRED');
      const basic = { extraHeaders: { Authorization: `Basic ${b64url('user:pass')}` } };
      expectRefused(await connectError(sut.url, undefined, basic), 'AUTH_REQUIRED');
    });
  });

  describe('AUTH_INVALID', () => {
    const invalid: Array<[string, () => string]> = [
      ['a token signed with another secret', () => signToken({ sub: 'inv-1' }, { secret: 'not-the-gateway-secret-0123456789' })],
      ['a tampered payload under the original signature', () => {
        const [h, , s] = userToken('inv-2').split('.');
        return `${h}.${b64url(JSON.stringify({ sub: 'admin', exp: nowSec() + 3600 }))}.${s}`;
      }],
      ['an HS512 token when JWT_ALGORITHMS=HS256', () => signToken({ sub: 'inv-3' }, { algorithm: 'HS512' })],
      ['an unsigned alg "none" token', () => handToken({ alg: 'none', typ: 'JWT' }, { sub: 'inv-4', exp: nowSec() + 3600 })],
      ['a garbage string', () => 'definitely-not-a-jwt'],
      ['three garbage segments', () => 'abc.def.ghi'],
      ['an oversized token', () => `${userToken('inv-5')}${'A'.repeat(20_000)}`],
      ['a token without any user id claim', () => signToken({ session_id: 's-inv-6' })],
      ['a numeric sub', () => rawHs256({ sub: 123 })],
      ['a numeric user_id', () => rawHs256({ user_id: 42 })],
      ['an empty user id', () => rawHs256({ sub: '' })],
      ['nbf 5 minutes in the future', () => signToken({ sub: 'inv-7', nbf: nowSec() + 300 })],
      ['iat 5 minutes in the future', () => signToken({ sub: 'inv-8', iat: nowSec() + 300 })],
    ];

    it.each(invalid)('refuses %s', async (_name, token) => {
      expectRefused(await connectError(sut.url, token()), 'AUTH_INVALID');
    });

    it('accepts nbf and iat within the 30 s leeway', async () => {
      const { payload } = await connectAs(sut.url, signToken({ sub: 'leeway-1', nbf: nowSec() + 10, iat: nowSec() + 10 }));
      expect(payload.userId).toBe('leeway-1');
    });
  });

  describe('AUTH_EXPIRED', () => {
    it('refuses a token whose exp has passed', async () => {
      const token = signToken({ sub: 'expired-1', exp: nowSec() - 60 });
      expectRefused(await connectError(sut.url, token), 'AUTH_EXPIRED');
    });
  });

  describe('SESSION_REVOKED', () => {
    it('refuses the same token after a kick with invalidateSession; a new session may connect', async () => {
      const token = userToken('kicked-1', 'k-sess-1');
      const { socket } = await connectAs(sut.url, token);
      const logout = nextEvent(socket, 'auth:logout');
      const gone = disconnected(socket);
      const res = await kick(sut, { userId: 'kicked-1', reason: 'test-kick', invalidateSession: true });
      expect(res.body).toEqual({ ok: true, data: { revokedSessions: 1 } });
      await expect(logout).resolves.toEqual({ reason: 'test-kick' });
      await gone;

      expectRefused(await connectError(sut.url, token), 'SESSION_REVOKED');
      const fresh = await connectAs(sut.url, userToken('kicked-1', 'k-sess-2'));
      expect(fresh.payload.sessionId).toBe('k-sess-2');
    });

    it('lets the same token reconnect after a kick without invalidateSession', async () => {
      const token = userToken('kicked-2', 'k2-sess');
      const { socket } = await connectAs(sut.url, token);
      const gone = disconnected(socket);
      await kick(sut, { userId: 'kicked-2' });
      await gone;
      const again = await connectAs(sut.url, token);
      expect(again.payload).toMatchObject({ userId: 'kicked-2', sessionId: 'k2-sess' });
    });
  });

  describe('token sources', () => {
    it('reads auth.token', async () => {
      const { payload } = await connectAs(sut.url, userToken('src-auth'));
      expect(payload.userId).toBe('src-auth');
    });

    it('reads the Authorization: Bearer header', async () => {
      const { payload } = await connectWithPayload(sut.url, {
        extraHeaders: { Authorization: `Bearer ${userToken('src-header')}` },
      });
      expect(payload.userId).toBe('src-header');
    });

    it('reads ?token= when query tokens are allowed (the default)', async () => {
      const { payload } = await connectWithPayload(sut.url, { query: { token: userToken('src-query') } });
      expect(payload.userId).toBe('src-query');
    });

    it('auth.token wins over a bad header token', async () => {
      const { payload } = await connectWithPayload(sut.url, {
        auth: { token: userToken('prec-1') },
        extraHeaders: { Authorization: 'Bearer not.a.jwt' },
      });
      expect(payload.userId).toBe('prec-1');
    });

    it('the header wins over the query', async () => {
      const { payload } = await connectWithPayload(sut.url, {
        extraHeaders: { Authorization: `Bearer ${userToken('prec-header')}` },
        query: { token: userToken('prec-query') },
      });
      expect(payload.userId).toBe('prec-header');
    });

    it('first match wins: a bad auth.token is refused even when the header carries a good one', async () => {
      const err = await connectError(sut.url, 'garbage-token', {
        extraHeaders: { Authorization: `Bearer ${userToken('prec-2')}` },
      });
      expectRefused(err, 'AUTH_INVALID');
    });
  });

  describe('claims', () => {
    it.each([
      ['user_id over userId and sub', { user_id: 'uid-a', userId: 'uid-b', sub: 'uid-c' }, 'uid-a'],
      ['userId over sub', { userId: 'uid-d', sub: 'uid-e' }, 'uid-d'],
      ['sub as the last fallback', { sub: 'uid-f' }, 'uid-f'],
    ])('takes the user id from %s', async (_name, claims, expected) => {
      const { payload } = await connectAs(sut.url, signToken({ ...claims, session_id: `s-${expected}` }));
      expect(payload.userId).toBe(expected);
    });

    it.each([
      ['session_id over sid and jti', { session_id: 'sid-a', sid: 'sid-b', jti: 'jti-c' }, 'sid-a'],
      ['sid over jti', { sid: 'sid-d', jti: 'jti-e' }, 'sid-d'],
      ['jti when there is no session claim', { jti: 'jti-f' }, 'jti-f'],
    ])('takes the session id from %s', async (_name, claims, expected) => {
      const { payload } = await connectAs(sut.url, signToken({ sub: `user-${expected}`, ...claims }));
      expect(payload.sessionId).toBe(expected);
    });

    it('derives a stable 32-hex session id from the token when no session claim or jti exists', async () => {
      const token = signToken({ sub: 'hash-user-1' });
      const first = await connectAs(sut.url, token);
      expect(first.payload.sessionId).toMatch(/^[0-9a-f]{32}$/);
      first.socket.close();

      const again = await connectAs(sut.url, token);
      expect(again.payload.sessionId).toBe(first.payload.sessionId);

      const other = await connectAs(sut.url, signToken({ sub: 'hash-user-2' }));
      expect(other.payload.sessionId).toMatch(/^[0-9a-f]{32}$/);
      expect(other.payload.sessionId).not.toBe(first.payload.sessionId);
    });
  });

  describe('on success', () => {
    it('emits connected { userId, sessionId, socketId, serverTime } and joins user:{userId}', async () => {
      const before = Date.now();
      const { socket, payload } = await connectAs(sut.url, userToken('ok-user', 'ok-sess'));
      expect(payload).toEqual({
        userId: 'ok-user',
        sessionId: 'ok-sess',
        socketId: socket.id,
        serverTime: expect.any(String),
      });
      expect(new Date(payload.serverTime).toISOString()).toBe(payload.serverTime);
      expect(Date.parse(payload.serverTime)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(payload.serverTime)).toBeLessThanOrEqual(Date.now() + 1000);

      const bystander = await connectUser(sut.url, userToken('ok-bystander'));
      const leaked = collect(bystander, 'notification:new');
      await expectReachable(sut, socket, 'ok-user');
      await expectReachable(sut, bystander, 'ok-bystander');
      expect(leaked).toHaveLength(1);
    });
  });

  describe('token lifetime (§2.2)', () => {
    it('emits auth:expired at exp, then disconnects the socket', async () => {
      const token = signToken({ sub: 'life-1', session_id: 'life-1-s' }, { expiresIn: 2 });
      const { socket } = await connectAs(sut.url, token);
      const order: string[] = [];
      socket.on('auth:expired', () => order.push('auth:expired'));
      socket.on('disconnect', () => order.push('disconnect'));
      const expired = nextEvent(socket, 'auth:expired', 5000);
      const reason = disconnected(socket, 5000);
      await expect(expired).resolves.toEqual(expect.any(Object));
      await expect(reason).resolves.toBe('io server disconnect');
      expect(order).toEqual(['auth:expired', 'disconnect']);
      // Tolerance for timer rounding; the point is that it does not fire well before exp.
      expect(Date.now()).toBeGreaterThanOrEqual(expMsOf(token) - 50);
    });

    // That the old exp then no longer applies (a timer that must not fire) is proven on a fake
    // clock in src/user-gateway/token-expiry.spec.ts; that refresh re-arms it, by the next test.
    it('auth:refresh with a later token acks { ok, data: { expiresAt } } and keeps the socket', async () => {
      const short = signToken({ sub: 'life-2', session_id: 'life-2-s' }, { expiresIn: 2 });
      const { socket } = await connectAs(sut.url, short);
      const expired = collect(socket, 'auth:expired');
      const long = signToken({ sub: 'life-2', session_id: 'life-2-s' }, { expiresIn: 3600 });

      const ack = await refresh(socket, long);
      expect(ack).toEqual({ ok: true, data: { expiresAt: new Date(expMsOf(long)).toISOString() } });
      await expectReachable(sut, socket, 'life-2');
      expect(expired).toEqual([]);
      expect(socket.connected).toBe(true);
    });

    it('auth:refresh with a shorter token moves the expiry earlier', async () => {
      const { socket } = await connectAs(sut.url, userToken('life-3', 'life-3-s'));
      const short = signToken({ sub: 'life-3', session_id: 'life-3-s' }, { expiresIn: 2 });
      const ack = await refresh(socket, short);
      expect(ack).toEqual({ ok: true, data: { expiresAt: new Date(expMsOf(short)).toISOString() } });
      const gone = disconnected(socket, 5000);
      await nextEvent(socket, 'auth:expired', 5000);
      await expect(gone).resolves.toBe('io server disconnect');
    });

    it('refused refreshes ack an error and leave the socket as it was (still working, same expiry)', async () => {
      const original = signToken({ sub: 'life-4', session_id: 'life-4-s' }, { expiresIn: 3 });
      const { socket } = await connectAs(sut.url, original);
      const expired = nextEvent(socket, 'auth:expired', 6000);

      const otherUser = await refresh(socket, signToken({ sub: 'life-4-other', session_id: 'life-4-s' }));
      expect(otherUser).toEqual({ ok: false, error: expect.objectContaining({ code: 'FORBIDDEN', message: expect.any(String) }) });

      const otherSession = await refresh(socket, signToken({ sub: 'life-4', session_id: 'life-4-other-s' }));
      expect(otherSession).toEqual({ ok: false, error: expect.objectContaining({ code: 'FORBIDDEN' }) });

      const bad = await refresh(socket, signToken({ sub: 'life-4', session_id: 'life-4-s' }, { secret: 'wrong-secret-wrong-secret-000000' }));
      expect(bad).toEqual({ ok: false, error: expect.objectContaining({ code: 'AUTH_INVALID', message: expect.any(String) }) });

      const stale = await refresh(socket, signToken({ sub: 'life-4', session_id: 'life-4-s', exp: nowSec() - 60 }));
      expect(stale).toEqual({ ok: false, error: expect.objectContaining({ code: 'AUTH_EXPIRED' }) });

      await expectReachable(sut, socket, 'life-4');
      // None of the refused tokens moved the expiry: the original exp still ends the socket.
      await expired;
      expect(Date.now()).toBeGreaterThanOrEqual(expMsOf(original) - 50);
    });
  });
});

describe('handshake with ALLOW_QUERY_TOKEN=false', () => {
  const sut = useApp({ ALLOW_QUERY_TOKEN: 'false' });

  it('ignores ?token= (AUTH_REQUIRED) but still accepts auth.token', async () => {
    expectRefused(await connectError(sut.url, undefined, { query: { token: userToken('q-off') } }), 'AUTH_REQUIRED');
    const { payload } = await connectAs(sut.url, userToken('q-off'));
    expect(payload.userId).toBe('q-off');
  });
});

describe('handshake with JWT_ISSUER and JWT_AUDIENCE', () => {
  const ISSUER = 'https://api.example.test';
  const AUDIENCE = 'realtime-gateway';
  const sut = useApp({ JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE });

  it('accepts the configured issuer and audience', async () => {
    const { payload } = await connectAs(sut.url, signToken({ sub: 'iss-ok', iss: ISSUER, aud: AUDIENCE }));
    expect(payload.userId).toBe('iss-ok');
  });

  it.each([
    ['a wrong issuer', { iss: 'https://evil.example.test', aud: AUDIENCE }],
    ['a wrong audience', { iss: ISSUER, aud: 'another-service' }],
    ['no issuer', { aud: AUDIENCE }],
    ['no audience', { iss: ISSUER }],
  ])('refuses %s with AUTH_INVALID', async (_name, claims) => {
    expectRefused(await connectError(sut.url, signToken({ sub: 'iss-bad', ...claims })), 'AUTH_INVALID');
  });
});

describe('handshake with RS256 (JWT_PUBLIC_KEY, no JWT_SECRET)', () => {
  const pair = () =>
    generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
  const keys = pair();
  let sut: TestApp;

  beforeAll(async () => {
    // testConfig spreads overrides over its defaults and loadConfig drops undefined values,
    // so JWT_SECRET: undefined really removes the default HMAC secret.
    sut = await startApp({ JWT_PUBLIC_KEY: keys.publicKey, JWT_ALGORITHMS: 'RS256', JWT_SECRET: undefined });
    expect(sut.config.jwt.secret).toBeUndefined();
  });
  afterAll(async () => {
    closeAllClients();
    await sut.close();
  });

  it('accepts a token signed with the private key', async () => {
    const token = signToken({ sub: 'rsa-user', session_id: 'rsa-s' }, { algorithm: 'RS256', privateKey: keys.privateKey });
    const { payload } = await connectAs(sut.url, token);
    expect(payload).toMatchObject({ userId: 'rsa-user', sessionId: 'rsa-s' });
  });

  it('refuses an HS256 token whose HMAC key is the public key PEM (key confusion)', async () => {
    const forged = handToken({ alg: 'HS256', typ: 'JWT' }, { sub: 'rsa-attacker', exp: nowSec() + 3600 }, keys.publicKey);
    expectRefused(await connectError(sut.url, forged), 'AUTH_INVALID');
  });

  it('refuses an HS256 token signed with the test secret and an RS256 token from another key', async () => {
    expectRefused(await connectError(sut.url, userToken('rsa-hs')), 'AUTH_INVALID');
    const foreign = signToken({ sub: 'rsa-foreign' }, { algorithm: 'RS256', privateKey: pair().privateKey });
    expectRefused(await connectError(sut.url, foreign), 'AUTH_INVALID');
  });
});

describe('handshake rate limit (RATE_LIMIT_MAX_CONNECTIONS=3)', () => {
  let direct: TestApp;
  let proxied: TestApp;
  const xff = (ip: string): ConnectOptions => ({ extraHeaders: { 'X-Forwarded-For': ip } });

  beforeAll(async () => {
    direct = await startApp({ RATE_LIMIT_MAX_CONNECTIONS: '3' });
    proxied = await startApp({ RATE_LIMIT_MAX_CONNECTIONS: '3', TRUST_PROXY: 'true' });
  });
  afterAll(async () => {
    closeAllClients();
    await Promise.all([direct.close(), proxied.close()]);
  });

  it('refuses the 4th handshake from 127.0.0.1 with RATE_LIMITED, whatever X-Forwarded-For says', async () => {
    for (let i = 0; i < 3; i++) await connectUser(direct.url, userToken(`rl-${i}`), xff(`198.51.100.${i}`));
    expectRefused(await connectError(direct.url, userToken('rl-3')), 'RATE_LIMITED');
    // Without TRUST_PROXY the header is the client's word: it must not buy a fresh budget.
    expectRefused(await connectError(direct.url, userToken('rl-4'), xff('203.0.113.99')), 'RATE_LIMITED');
  });

  it('with TRUST_PROXY=true, each X-Forwarded-For client gets its own budget', async () => {
    for (let i = 0; i < 3; i++) await connectUser(proxied.url, userToken(`px-a-${i}`), xff('203.0.113.10'));
    expectRefused(await connectError(proxied.url, userToken('px-a-3'), xff('203.0.113.10')), 'RATE_LIMITED');
    // The one trusted proxy appended the right-most hop; what the client wrote on its left is ignored.
    expectRefused(await connectError(proxied.url, userToken('px-a-4'), xff('198.51.100.77, 203.0.113.10')), 'RATE_LIMITED');

    const other = await connectUser(proxied.url, userToken('px-b'), xff('203.0.113.20'));
    expect(other.connected).toBe(true);
  });
});

describe('handshake on the Redis engine', () => {
  const sut = useApp(() => redisEnv(uniquePrefix('auth')));

  it('connects with connected { userId, sessionId, socketId, serverTime } and receives pushes to user:{id}', async () => {
    const { socket, payload } = await connectAs(sut.url, userToken('r-user', 'r-sess'));
    expect(payload).toEqual({ userId: 'r-user', sessionId: 'r-sess', socketId: socket.id, serverTime: expect.any(String) });
    await expectReachable(sut, socket, 'r-user');
  });

  it('refuses AUTH_INVALID and AUTH_EXPIRED tokens', async () => {
    expectRefused(await connectError(sut.url, 'garbage'), 'AUTH_INVALID');
    expectRefused(await connectError(sut.url, signToken({ sub: 'r-exp', exp: nowSec() - 10 })), 'AUTH_EXPIRED');
  });

  it('refuses a session revoked by a kick with invalidateSession', async () => {
    const token = userToken('r-kicked', 'r-kicked-s');
    const { socket } = await connectAs(sut.url, token);
    const gone = disconnected(socket);
    await kick(sut, { userId: 'r-kicked', invalidateSession: true });
    await gone;
    expectRefused(await connectError(sut.url, token), 'SESSION_REVOKED');
  });
});

describe('handshake while the Redis engine store is down (private redis-server)', () => {
  let redis: RedisServerHandle;
  let sut: TestApp;

  beforeAll(async () => {
    redis = await startRedisServer();
    sut = await startApp({ REDIS_URL: redis.url, SOCKET_CONTROL_PREFIX: uniquePrefix('auth-outage') });
  });
  afterAll(async () => {
    closeAllClients();
    await sut?.close();
    await redis?.stop();
  });

  async function readyStatus(): Promise<number> {
    return (await request(sut.app.getHttpServer()).get('/health/ready')).status;
  }

  it('fails handshakes with UNAVAILABLE and readiness 503 while Redis is down, and recovers when it returns', async () => {
    const before = await connectUser(sut.url, userToken('outage-1'));
    before.close();
    expect(await readyStatus()).toBe(200);

    await redis.stop();
    expectRefused(await connectError(sut.url, userToken('outage-2')), 'UNAVAILABLE');
    expect(await readyStatus()).toBe(503);
    const live = await request(sut.app.getHttpServer()).get('/health/live');
    expect(live.status).toBe(200);

    await redis.restart();
    expect(await eventually('readiness after the Redis restart', readyStatus, (status) => status === 200, { timeoutMs: 20_000, intervalMs: 100 })).toBe(200);
    const { payload } = await connectAs(sut.url, userToken('outage-3'));
    expect(payload.userId).toBe('outage-3');
  }, 60_000);
});
