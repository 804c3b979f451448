import { TEST_INTERNAL_SECRET, TEST_JWT_SECRET, type TestApp, fresh, startApp, uniquePrefix, userToken } from '../support/app.js';
import { closeAllClients, collect, connectError, connectUser, nextEvent, roundTrip } from '../support/client.js';
import { eventually } from '../support/eventually.js';
import { assertBuilt, httpStatus, killAllGateways, startGateway } from '../support/node-process.js';
import { type RedisServerHandle, freePort, startRedisServer } from '../support/redis-server.js';
import { presenceOf } from '../support/backend.js';
import { SocketServerRef } from '../../src/socket/socket-server.ref.js';

// SPEC §8, Redis briefly unreachable: the node stays up, readiness reports it, handshakes fail
// UNAVAILABLE, every internal HTTP route that needs Redis answers 503 with Retry-After at once
// (never 500, never a hang, never accepted and then lost), and all recovers when Redis returns.
// A node started while Redis is unreachable behaves the same and serves once Redis answers.

const ANSWER_WITHIN_MS = 3000;

interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
}

/** Every internal route, with a valid body; `u` is a connected user, `room` a room they are in. */
function internalCalls(u: string, room: string): Call[] {
  return [
    { method: 'POST', path: '/internal/emit', body: { userId: u, event: 'message', payload: 'during the outage (user)' } },
    { method: 'POST', path: '/internal/emit', body: { room, event: 'message', payload: 'during the outage (room)' } },
    { method: 'POST', path: '/internal/emit/batch', body: { items: [{ userId: u, event: 'message', payload: 'during the outage (batch)' }] } },
    { method: 'POST', path: '/internal/force-logout', body: { userId: u, sessionId: `s-${u}` } },
    { method: 'POST', path: '/internal/kick', body: { userId: u } },
    { method: 'POST', path: '/internal/notifications', body: { userId: u, notification: { type: 'outage' } } },
    { method: 'POST', path: '/internal/status', body: { service: 'api', status: 'down' } },
    { method: 'PUT', path: '/internal/chats/outage-chat/members', body: { userIds: [u] } },
    { method: 'POST', path: '/internal/chats/outage-chat/members', body: { userIds: [u] } },
    { method: 'DELETE', path: `/internal/chats/outage-chat/members/${u}` },
    { method: 'PUT', path: `/internal/users/${u}/friends`, body: { friendIds: ['f1'] } },
    { method: 'GET', path: `/internal/presence?userIds=${u}` },
    { method: 'GET', path: '/internal/services' },
  ];
}

async function call(url: string, { method, path, body }: Call): Promise<{ status: number; retryAfter: string | null; code?: string; sent?: number; ms: number }> {
  const started = Date.now();
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${TEST_INTERNAL_SECRET}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const json = (await res.json().catch(() => ({}))) as { error?: { code?: string }; data?: { recipients?: { sent?: number } } };
  return { status: res.status, retryAfter: res.headers.get('retry-after'), code: json.error?.code, sent: json.data?.recipients?.sent, ms: Date.now() - started };
}

function expectRefusedForNow(label: string, answer: Awaited<ReturnType<typeof call>>): void {
  expect({ label, status: answer.status, code: answer.code }).toEqual({ label, status: 503, code: 'UNAVAILABLE' });
  expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
  expect(answer.ms).toBeLessThan(ANSWER_WITHIN_MS);
}

describe('Redis stopped under a running node', () => {
  let redis: RedisServerHandle;
  let sut: TestApp;

  beforeAll(async () => {
    redis = await startRedisServer();
    sut = await startApp({ REDIS_URL: redis.url, SOCKET_CONTROL_PREFIX: uniquePrefix('outage') });
  });
  afterAll(async () => {
    closeAllClients();
    await sut?.close();
    await redis?.stop();
  });

  it('answers every internal route 503 + Retry-After at once, refuses handshakes, and serves again when Redis is back', async () => {
    const u = fresh('outage');
    const room = `user:${u}`;
    const socket = await connectUser(sut.url, userToken(u));
    const seen = collect<string>(socket, 'message');

    await redis.stop();
    await eventually('readiness 503', () => httpStatus(sut.url, '/health/ready'), (s) => s === 503);
    expect(await httpStatus(sut.url, '/health/live')).toBe(200);
    for (const c of internalCalls(u, room)) expectRefusedForNow(`${c.method} ${c.path}`, await call(sut.url, c));
    const refused = await connectError(sut.url, userToken(fresh('outage-late')));
    expect(refused.data?.code).toBe('UNAVAILABLE');

    await redis.restart();
    await eventually('readiness 200', () => httpStatus(sut.url, '/health/ready'), (s) => s === 200, { timeoutMs: 10_000 });
    const after = nextEvent<string>(socket, 'message');
    const ok = await call(sut.url, { method: 'POST', path: '/internal/emit', body: { userId: u, event: 'message', payload: 'after' } });
    expect(ok.status).toBe(200);
    await expect(after).resolves.toBe('after');
    await roundTrip(socket);
    // Nothing refused during the outage arrives later: refused means not accepted.
    expect(seen).toEqual(['after']);
    await connectUser(sut.url, userToken(fresh('outage-back')));
  });
});

describe('a running node (node dist/main.js) whose Redis stops while clients leave', () => {
  beforeAll(() => assertBuilt());
  afterAll(async () => {
    closeAllClients();
    await killAllGateways();
  });

  it('stays up through the departures and serves again when Redis is back', async () => {
    const redis = await startRedisServer();
    try {
      const gw = await startGateway({
        PORT: String(await freePort()),
        HOST: '127.0.0.1',
        JWT_SECRET: TEST_JWT_SECRET,
        INTERNAL_SECRET: TEST_INTERNAL_SECRET,
        REDIS_URL: redis.url,
        SOCKET_CONTROL_PREFIX: uniquePrefix('leaving'),
      });
      await eventually('readiness 200', () => httpStatus(gw.url, '/health/ready'), (s) => s === 200, { timeoutMs: 15_000 });
      const leaving = await Promise.all([fresh('leaving'), fresh('leaving')].map((u) => connectUser(gw.url, userToken(u))));
      const staying = fresh('staying');
      const socket = await connectUser(gw.url, userToken(staying));

      await redis.stop();
      await eventually('readiness 503', () => httpStatus(gw.url, '/health/ready'), (s) => s === 503);
      for (const s of leaving) s.close();
      // The departures' store writes fail meanwhile; the node must not die of it.
      await expect(eventually('the node to die', async () => gw.running(), (running) => !running, { timeoutMs: 2000 })).rejects.toThrow(/timed out/);

      await redis.restart();
      await eventually('readiness 200', () => httpStatus(gw.url, '/health/ready'), (s) => s === 200, { timeoutMs: 15_000 });
      // Redis came back empty: until the node has registered its live sockets again a push finds
      // nobody (200 with `sent: 0`, nothing delivered); from then on it reaches the user.
      const pushed = collect<string>(socket, 'message');
      const push = () => call(gw.url, { method: 'POST', path: '/internal/emit', body: { userId: staying, event: 'message', payload: 'still here' } });
      await eventually('a push that reaches the staying user', push, (ok) => ok.status === 200 && ok.sent === 1, { timeoutMs: 15_000 });
      await eventually('"still here" delivered', async () => pushed.includes('still here'), (arrived) => arrived);
      expect(gw.running()).toBe(true);
    } finally {
      await redis.stop();
    }
  });
});

describe('a node started while Redis is unreachable', () => {
  beforeAll(() => assertBuilt());
  afterAll(async () => {
    closeAllClients();
    await killAllGateways();
  });

  it('stays up (live 200, ready 503, handshakes UNAVAILABLE, routes 503), says once which REDIS_URL it waits for, then serves', async () => {
    const redisPort = await freePort();
    const password = 'outage-canary-password';
    const gw = await startGateway({
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      JWT_SECRET: TEST_JWT_SECRET,
      INTERNAL_SECRET: TEST_INTERNAL_SECRET,
      REDIS_URL: `redis://:${password}@127.0.0.1:${redisPort}`,
      SOCKET_CONTROL_PREFIX: uniquePrefix('late'),
    });
    expect(await httpStatus(gw.url, '/health/ready')).toBe(503);
    const u = fresh('late');
    for (const c of internalCalls(u, `user:${u}`).slice(0, 3)) expectRefusedForNow(`${c.method} ${c.path}`, await call(gw.url, c));
    expect((await connectError(gw.url, userToken(u))).data?.code).toBe('UNAVAILABLE');
    // One clear line naming REDIS_URL (and never its password), not one per reconnection attempt.
    await eventually('the waiting line', async () => gw.stdout() + gw.stderr(), (out) => out.includes('REDIS_URL'));
    const waiting = (gw.stdout() + gw.stderr()).split('\n').filter((l) => l.includes('REDIS_URL'));
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toContain(`127.0.0.1:${redisPort}`);
    expect(gw.stdout() + gw.stderr()).not.toContain(password);

    // No requirepass (the test helper pings without AUTH): ioredis accepts a server without one.
    const redis = await startRedisServer({ port: redisPort });
    try {
      await eventually('readiness 200', () => httpStatus(gw.url, '/health/ready'), (s) => s === 200, { timeoutMs: 15_000 });
      const socket = await connectUser(gw.url, userToken(u));
      const pushed = nextEvent<string>(socket, 'message');
      const ok = await call(gw.url, { method: 'POST', path: '/internal/emit', body: { userId: u, event: 'message', payload: 'served' } });
      expect(ok.status).toBe(200);
      await expect(pushed).resolves.toBe('served');
      expect(gw.running()).toBe(true);
      expect((gw.stdout() + gw.stderr()).split('\n').filter((l) => l.includes('REDIS_URL'))).toHaveLength(1);
    } finally {
      await redis.stop();
    }
  });
});

describe('Redis restarted while clients leave (two nodes)', () => {
  let redis: RedisServerHandle;
  let nodes: TestApp[] = [];

  afterEach(async () => {
    closeAllClients();
    await Promise.all(nodes.map((n) => n.close()));
    nodes = [];
    await redis?.stop();
  });

  async function startNodes(): Promise<TestApp[]> {
    const prefix = uniquePrefix('restart');
    nodes = [await startApp({ REDIS_URL: redis.url, SOCKET_CONTROL_PREFIX: prefix }), await startApp({ REDIS_URL: redis.url, SOCKET_CONTROL_PREFIX: prefix })];
    return nodes;
  }

  const socketsOn = (node: TestApp) => node.app.get(SocketServerRef).io.sockets.sockets.size;

  it('with its append-only file: the users who left during the restart go offline once it is back, the others stay online (no ghosts)', async () => {
    redis = await startRedisServer({ persistent: true });
    const [a, b] = await startNodes();
    const [leaverA, leaverB, stayerA, stayerB] = ['leaver-a', 'leaver-b', 'stayer-a', 'stayer-b'].map((l) => fresh(l));
    const leaving = [await connectUser(a.url, userToken(leaverA)), await connectUser(b.url, userToken(leaverB))];
    await connectUser(a.url, userToken(stayerA));
    await connectUser(b.url, userToken(stayerB));
    const everyone = [leaverA, leaverB, stayerA, stayerB];
    const online = async () => (await presenceOf(a, everyone)).filter((p) => p.devices > 0).map((p) => p.userId).sort();
    expect(await online()).toEqual([...everyone].sort());

    // A crash: what was written is in the append-only file (fsync on every write).
    await redis.kill();
    await eventually('readiness 503', () => httpStatus(a.url, '/health/ready'), (s) => s === 503);
    for (const s of leaving) s.close();
    await eventually('the leavers gone from their nodes', async () => [socketsOn(a), socketsOn(b)], (n) => n[0] === 1 && n[1] === 1);

    await redis.restart();
    await eventually('both nodes ready', async () => [await httpStatus(a.url, '/health/ready'), await httpStatus(b.url, '/health/ready')], (s) => s[0] === 200 && s[1] === 200, { timeoutMs: 15_000 });
    await eventually('no ghosts', online, (users) => users.join() === [stayerA, stayerB].sort().join(), { timeoutMs: 10_000 });
  });

  it('empty after the restart: each node claims its live sessions again, so a new login still replaces the live session (single policy)', async () => {
    redis = await startRedisServer();
    const [a, b] = await startNodes();
    const u = fresh('reclaim');
    const first = await connectUser(a.url, userToken(u, `s1-${u}`));
    const logout = nextEvent<{ reason: string }>(first, 'auth:logout');

    await redis.restart();
    await eventually('both nodes ready', async () => [await httpStatus(a.url, '/health/ready'), await httpStatus(b.url, '/health/ready')], (s) => s[0] === 200 && s[1] === 200, { timeoutMs: 15_000 });
    await eventually('the live socket registered again', async () => (await presenceOf(b, [u]))[0]?.devices, (d) => d === 1, { timeoutMs: 10_000 });

    await connectUser(b.url, userToken(u, `s2-${u}`));
    await expect(logout).resolves.toEqual({ reason: 'session_replaced' });
  });
});
