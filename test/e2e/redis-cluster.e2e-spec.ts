import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import request from 'supertest';
import { type TestApp, TEST_INTERNAL_SECRET, startApp, uniquePrefix, userToken, fresh } from '../support/app.js';
import { type ConnectErrorLike, closeAllClients, collect, connectError, connectUser, createClient, disconnected, firstOf, nextEvent, roundTrip, ack, nextMatching } from '../support/client.js';
import { RedisConnections } from '../../src/engine/redis/redis-connections.js';
import { eventually } from '../support/eventually.js';
import { scrapeMetrics, sumOf } from '../support/metrics.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';

// The Redis engine on a real three-master Redis Cluster (REDIS_CLUSTER_NODES), two gateway
// instances sharing it: hash-tagged keys, Lua scripts, the streams adapter and the control bus.

const execFileP = promisify(execFile);
const REDIS_CLI = process.env.REDIS_CLI_BIN || 'redis-cli';
const CLUSTER_ARGS = [
  '--cluster-enabled', 'yes',
  // Relative to --dir, the server's own temp dir (removed when it stops).
  '--cluster-config-file', 'nodes.conf',
  '--cluster-node-timeout', '2000',
];
const CONTROL_METRIC = 'gateway_control_bus_messages_total';
const bearer = `Bearer ${TEST_INTERNAL_SECRET}`;

async function cli(...args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileP(REDIS_CLI, args, { timeout: 15_000 });
    return stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error(`${REDIS_CLI} not found: install the redis-server package (it ships redis-cli) or set REDIS_CLI_BIN`, { cause: err });
    }
    throw new Error(`${REDIS_CLI} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
  }
}

function http(app: TestApp) {
  return request(app.app.getHttpServer());
}

function post(app: TestApp, path: string, body: object) {
  return http(app).post(path).set('Authorization', bearer).send(body);
}

function put(app: TestApp, path: string, body: object) {
  return http(app).put(path).set('Authorization', bearer).send(body);
}

describe('Redis Cluster engine (three masters, two gateway instances)', () => {
  const servers: RedisServerHandle[] = [];
  let nodes: string;
  let prefix: string;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    // Fail early and clearly when redis-cli is missing.
    await cli('--version');
    for (let i = 0; i < 3; i++) servers.push(await startRedisServer({ extraArgs: CLUSTER_ARGS }));
    const addrs = servers.map((s) => `127.0.0.1:${s.port}`);
    await cli('--cluster', 'create', ...addrs, '--cluster-replicas', '0', '--cluster-yes');
    for (const s of servers) {
      await eventually(
        `cluster_state:ok on port ${s.port}`,
        () => cli('-p', String(s.port), 'cluster', 'info'),
        (out) => out.includes('cluster_state:ok'),
        { timeoutMs: 10_000, intervalMs: 50 },
      );
    }
    nodes = addrs.join(',');
    prefix = uniquePrefix('cluster');
    const env = {
      REDIS_CLUSTER_NODES: nodes,
      SOCKET_CONTROL_PREFIX: prefix,
      RATE_LIMITS: '{"send_message":[2,60000]}',
      CALL_RING_TIMEOUT_MS: '1000',
      SERVICE_REGISTRATION: 'true',
      REQUIRE_SERVICE_APPROVAL: 'false',
    };
    a = await startApp(env);
    b = await startApp(env);
  }, 60_000);

  afterEach(() => closeAllClients());

  afterAll(async () => {
    closeAllClients();
    await Promise.all([a?.close(), b?.close()]);
    await Promise.all(servers.map((s) => s.kill()));
  });

  it('is ready on both instances', async () => {
    for (const app of [a, b]) {
      await eventually(`ready on ${app.url}`, () => http(app).get('/health/ready'), (res) => res.status === 200);
    }
  });

  it('runs every Redis connection on a Cluster client, with its state spread over several masters', async () => {
    for (const app of [a, b]) {
      const { command, subscriber, bus } = app.app.get(RedisConnections);
      for (const client of [command, subscriber, bus]) expect(client).toBeInstanceOf(Cluster);
    }
    // A few users whose hash-tagged keys land in different slots.
    const sockets = [];
    for (let i = 0; i < 6; i++) sockets.push(await connectUser(i % 2 ? b.url : a.url, userToken(fresh('spread'))));
    const perNode = await Promise.all(
      servers.map(async (s) => (await cli('-p', String(s.port), '--scan', '--pattern', `${prefix}:*`)).split('\n').filter(Boolean)),
    );
    expect(perNode.filter((keys) => keys.length > 0).length).toBeGreaterThanOrEqual(2);
    // Each gateway node listens on a sharded channel of its own, held by the master of its slot.
    const shardChannels = await Promise.all(
      servers.map(async (s) => (await cli('-p', String(s.port), 'PUBSUB', 'SHARDCHANNELS', `${prefix}:*`)).split('\n').filter(Boolean)),
    );
    for (const app of [a, b]) {
      const channel = `${prefix}:node:{${app.config.nodeId}}`;
      expect(shardChannels.filter((channels) => channels.includes(channel))).toHaveLength(1);
    }
  });

  it('POST /internal/emit on B reaches a user on A and counts sent/failed', async () => {
    const [onA, offline] = [fresh('emit-a'), fresh('emit-off')];
    const socket = await connectUser(a.url, userToken(onA));
    const seen = collect(socket, 'notification:new');
    const arrived = nextEvent(socket, 'notification:new');
    const res = await post(b, '/internal/emit', { userIds: [onA, offline], event: 'notification:new', payload: { n: 1 } }).expect(200);
    expect(res.body).toEqual({ ok: true, data: { recipients: { total: 2, sent: 1, failed: 1 } } });
    expect(await arrived).toEqual({ n: 1 });
    await roundTrip(socket);
    expect(seen).toEqual([{ n: 1 }]);
  });

  it('keeps a single login across instances', async () => {
    const u = fresh('single');
    const s1 = await connectUser(a.url, userToken(u, 'S1'));
    const logouts = collect<{ reason: string }>(s1, 'auth:logout');
    const gone = disconnected(s1);
    const s2 = await connectUser(b.url, userToken(u, 'S2'));
    await expect(gone).resolves.toBe('io server disconnect');
    expect(logouts).toEqual([{ reason: 'session_replaced' }]);
    const err: ConnectErrorLike = await connectError(a.url, userToken(u, 'S1'));
    expect(err.message).toBe('SESSION_REVOKED');
    await roundTrip(s2);
    expect(s2.connected).toBe(true);
  });

  it('applies a control-bus emit published on the cluster exactly once per socket', async () => {
    const publisher = new Cluster(nodes.split(',').map((hp) => ({ host: '127.0.0.1', port: Number(hp.split(':')[1]) })));
    try {
      const u = fresh('bus');
      const sockets = [await connectUser(a.url, userToken(u)), await connectUser(b.url, userToken(u))];
      const seen = sockets.map((s) => collect<{ marker: string }>(s, 'notification:new'));
      const markers = ['first', 'second'];
      const arrivals = sockets.map((s) => Promise.all(markers.map((m) => nextMatching<{ marker: string }>(s, 'notification:new', (p) => p?.marker === m))));
      for (const marker of markers) {
        await publisher.publish(`${prefix}:emit`, JSON.stringify({ encrypted: false, userId: u, event: 'notification:new', payload: { marker } }));
      }
      await Promise.all(arrivals);
      // Barrier: both instances have handled both messages (one claim won, one lost, per message);
      // then one more event through the adapter stream, which any duplicate emit would precede.
      await eventually(
        'both messages handled by both instances',
        async () => {
          const samples = await Promise.all([a, b].map((app) => scrapeMetrics(app.url)));
          const count = (outcome: string) => samples.reduce((n, m) => n + sumOf(m, CONTROL_METRIC, { channel: 'emit', outcome }), 0);
          return { applied: count('applied'), duplicate: count('duplicate') };
        },
        (c) => c.applied + c.duplicate >= 4,
      ).then((c) => expect(c).toEqual({ applied: 2, duplicate: 2 }));
      const marker = randomUUID();
      const flushed = sockets.map((s) => nextMatching<{ marker: string }>(s, 'profile:update', (p) => p?.marker === marker));
      await post(a, '/internal/emit', { userId: u, event: 'profile:update', payload: { marker } }).expect(200);
      await Promise.all(flushed);
      await Promise.all(sockets.map((s) => roundTrip(s)));
      // Redis Cluster does not order messages PUBLISHed through different masters: compare as sets.
      for (const list of seen) expect(list.map((p) => p.marker).sort()).toEqual(markers);
    } finally {
      publisher.disconnect();
    }
  });

  it('shares a per-user rate limit across instances', async () => {
    const u = fresh('rl');
    const onA = await connectUser(a.url, userToken(u));
    const onB = await connectUser(b.url, userToken(u));
    const send = { recipientIds: ['nobody'], message: 'hi' };
    expect((await ack(onA, 'send_message', send)).ok).toBe(true);
    expect((await ack(onB, 'send_message', send)).ok).toBe(true);
    expect(await ack(onA, 'send_message', send)).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
  });

  it('relays message:new between chat members on different instances', async () => {
    const chat = fresh('chat');
    const [s, r] = [fresh('sender'), fresh('recipient')];
    await put(a, `/internal/chats/${chat}/members`, { userIds: [s, r] }).expect(200);
    const sender = await connectUser(a.url, userToken(s));
    const recipient = await connectUser(b.url, userToken(r));
    const got = nextMatching<{ chatId: string; content: string }>(recipient, 'message:new', (p) => p?.chatId === chat);
    const res = await ack(sender, 'message:new', { chatId: chat, content: 'hello', messageType: 'text' });
    expect(res.ok).toBe(true);
    expect(await got).toMatchObject({ chatId: chat, content: 'hello' });
  });

  it('shows a friend coming online on the other instance', async () => {
    const [w, u] = [fresh('watcher'), fresh('friend')];
    await put(a, `/internal/users/${w}/friends`, { friendIds: [u] }).expect(200);
    await put(b, `/internal/users/${u}/friends`, { friendIds: [w] }).expect(200);
    const watcher = await connectUser(a.url, userToken(w));
    const online = nextMatching<{ userId: string; status: string }>(watcher, 'presence:update', (p) => p?.userId === u && p.status === 'online');
    await connectUser(b.url, userToken(u));
    expect(await online).toMatchObject({ userId: u, status: 'online' });
  });

  it('times an unanswered call out once, across instances', async () => {
    const [c, e] = [fresh('caller'), fresh('callee')];
    // Calls are only between users who may see each other (docs/protocol.md §4.5).
    await put(a, `/internal/chats/${fresh('call-chat')}/members`, { userIds: [c, e] }).expect(200);
    const caller = await connectUser(a.url, userToken(c));
    const callee = await connectUser(b.url, userToken(e));
    const callerEnds = collect<{ callId: string; reason: string }>(caller, 'call:end');
    const calleeEnds = collect<{ callId: string; reason: string }>(callee, 'call:end');
    const incoming = nextEvent<{ callId: string }>(callee, 'call:incoming');
    const res = await ack<{ callId: string }>(caller, 'call:initiate', { calleeId: e, callType: 'audio' });
    expect(res).toEqual({ ok: true, data: { callId: expect.any(String) } });
    const callId = (res as { data: { callId: string } }).data.callId;
    expect(await incoming).toMatchObject({ callId });
    const ends = [caller, callee].map((s) => nextMatching<{ callId: string }>(s, 'call:end', (p) => p?.callId === callId));
    for (const end of await Promise.all(ends)) expect(end).toEqual({ callId, reason: 'timeout' });

    // Barrier: a later call between fresh users times out after every sweeper passed the first deadline.
    const [c2, e2] = [fresh('caller2'), fresh('callee2')];
    await put(b, `/internal/chats/${fresh('call-chat')}/members`, { userIds: [c2, e2] }).expect(200);
    const caller2 = await connectUser(b.url, userToken(c2));
    await connectUser(a.url, userToken(e2));
    const later = await ack<{ callId: string }>(caller2, 'call:initiate', { calleeId: e2, callType: 'audio' });
    const laterId = (later as { data: { callId: string } }).data.callId;
    await nextMatching(caller2, 'call:end', (p: { callId: string }) => p?.callId === laterId);
    const marker = randomUUID();
    const barrier = [caller, callee].map((s) => nextMatching<{ marker: string }>(s, 'profile:update', (p) => p?.marker === marker));
    await post(b, '/internal/emit', { userIds: [c, e], event: 'profile:update', payload: { marker } }).expect(200);
    await Promise.all(barrier);
    expect(callerEnds.filter((x) => x.callId === callId)).toEqual([{ callId, reason: 'timeout' }]);
    expect(calleeEnds.filter((x) => x.callId === callId)).toEqual([{ callId, reason: 'timeout' }]);
  });

  it('stores a notification pushed on one instance and lists it on the other', async () => {
    const u = fresh('notif');
    const id = `n-${randomUUID()}`;
    const res = await post(a, '/internal/notifications', { userId: u, notification: { id, type: 'friend_request', title: 'Hi' } }).expect(200);
    expect(res.body).toEqual({ ok: true, data: { id, recipients: { total: 1, sent: 0, failed: 1 } } });
    const socket = await connectUser(b.url, userToken(u));
    const pending = await ack<{ notifications: Array<{ id: string; type: string }> }>(socket, 'notification:get-pending');
    expect(pending).toEqual({ ok: true, data: { notifications: [expect.objectContaining({ id, type: 'friend_request', title: 'Hi' })] } });
  });

  it('authenticates a service registered on one instance on the other', async () => {
    const name = fresh('svc').slice(0, 60);
    const key = `key-of-${name}-0123456789`;
    const anon = createClient(`${a.url}/internal`);
    const { event } = await firstOf<ConnectErrorLike>(anon, ['connect', 'connect_error']);
    expect(event).toBe('connect');
    const reg = await ack(anon, 'register_service', { serviceName: name, serviceKey: key, serviceType: 'crm' });
    expect(reg).toEqual({ ok: true, data: { serviceName: name, status: 'active' } });

    const svc = createClient(`${b.url}/internal`, { auth: { serviceName: name, serviceKey: key } });
    const { event: got, payload } = await firstOf<{ serviceName: string; serviceType: string }>(svc, ['authenticated', 'connect_error']);
    expect(got).toBe('authenticated');
    expect(payload).toMatchObject({ serviceName: name, serviceType: 'crm' });
  });
});
