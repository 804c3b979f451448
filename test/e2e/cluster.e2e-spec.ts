import { Redis } from 'ioredis';
import { encryptField, encryptJson } from '../../src/control-bus/producer.js';
import { NO_LOAD_ADMISSION, TEST_INTERNAL_SECRET, TEST_JWT_SECRET, uniquePrefix, userToken, fresh } from '../support/app.js';
import { type ClientSocket, closeAllClients, collect, connectError, type ConnectErrorLike, connectUser, createClient, disconnected, firstOf, nextEvent, nextMatching, roundTrip, untyped } from '../support/client.js';
import { eventually } from '../support/eventually.js';
import { type Gateway, assertBuilt, exitOf, httpStatus, killAllGateways, startReadyGateways } from '../support/node-process.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';
import { befriend, presenceOf, push, setMembers } from '../support/backend.js';

// docs/protocol.md §8 (scale-out), §4.8 (recovery across nodes) and §7 (shutdown) at process level: several
// `node dist/main.js` children on one private redis-server, driven by real socket.io clients.

const SECRET_KEY = 'cluster-secret-key-0123456789abcdef';
const SECRET_IV = 'cluster-secret-iv-0123456789';
const SERVICE_NAME = 'pusher';
const SERVICE_KEY = 'pusher-service-key-0123456789';
const SHUTDOWN_TIMEOUT_MS = 5000;
const CRYPTO = { secretKey: SECRET_KEY, format: 'gcm' as const };

interface Tagged {
  tag: string;
}

interface ChatMessage {
  chatId: string;
  tempId?: string;
  senderId: string;
  content?: string;
}

interface PresenceUpdate {
  userId: string;
  status: string;
  lastSeen: string | null;
}

interface PresenceView {
  userId: string;
  status: string;
  devices: number;
}

let redis: RedisServerHandle;

beforeAll(async () => {
  assertBuilt();
  redis = await startRedisServer();
});

afterAll(async () => {
  closeAllClients();
  await killAllGateways();
  await redis?.stop();
});

/** The environment of one node: everything from the variables, like production. */
function nodeEnv(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    REDIS_URL: redis.url,
    SOCKET_CONTROL_PREFIX: prefix,
    JWT_SECRET: TEST_JWT_SECRET,
    INTERNAL_SECRET: TEST_INTERNAL_SECRET,
    SECRET_KEY,
    SECRET_IV,
    INTERNAL_SERVICES: JSON.stringify({ [SERVICE_NAME]: { key: SERVICE_KEY, type: 'backend' } }),
    LOG_LEVEL: 'error',
    PRESENCE_NODE_TTL_MS: '1500',
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    SHUTDOWN_SPREAD_MS: '500',
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    RECOVERY_WINDOW_MS: '60000',
    RATE_LIMIT_MAX_CONNECTIONS: '100000',
    // These tests count every message and handshake; load admission has its own specs.
    ...NO_LOAD_ADMISSION,
    ...extra,
  };
}

/** Starts `count` ready nodes on one prefix; the describe's afterAll kills them. */
async function startCluster(count: number, extra: Record<string, string> = {}): Promise<{ prefix: string; nodes: Gateway[] }> {
  const prefix = uniquePrefix('cluster');
  const nodes = await startReadyGateways(Array.from({ length: count }, () => nodeEnv(prefix, extra)));
  return { prefix, nodes };
}

async function stopCluster(): Promise<void> {
  closeAllClients();
  await killAllGateways();
}

/** A command connection to the test Redis (control-bus producer, key inspection). */
function redisClient(): Redis {
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1, lazyConnect: false });
  client.on('error', () => undefined); // outages are part of some tests; commands still reject
  return client;
}

/** POST /internal/emit to one user or several; resolves once the node answered 200. */
async function httpEmit(node: Gateway, userId: string | string[], event: string, payload: unknown): Promise<void> {
  await push(node, { ...(Array.isArray(userId) ? { userIds: userId } : { userId }), event, payload });
}

async function presenceOfOne(node: Gateway, userId: string): Promise<PresenceView> {
  return (await presenceOf(node, [userId]))[0];
}

/** Resolves once `socket` received `event` with every key in `keys` (keyOf maps a payload to its key). */
function untilAllSeen<T>(socket: ClientSocket, event: string, keyOf: (payload: T) => string | undefined, keys: string[], timeoutMs = 5000): Promise<void> {
  const missing = new Set(keys);
  return new Promise((resolve, reject) => {
    const onEvent = (payload: T) => {
      const key = keyOf(payload);
      if (key !== undefined) missing.delete(key);
      if (missing.size > 0) return;
      clearTimeout(timer);
      socket.off(event, onEvent);
      resolve();
    };
    const timer = setTimeout(() => {
      socket.off(event, onEvent);
      reject(new Error(`timed out after ${timeoutMs} ms; "${event}" never brought ${[...missing].join(', ')}`));
    }, timeoutMs);
    socket.on(event, onEvent);
  });
}

/**
 * Resolves once `done(seen)` holds for what a collector has gathered so far; checked at once (it
 * may already hold) and after every further `event` on `socket`.
 */
function untilCollected<T>(socket: ClientSocket, event: string, seen: T[], done: (seen: T[]) => boolean, timeoutMs = 5000): Promise<void> {
  if (done(seen)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onEvent = () => {
      // Collectors registered before this listener have already recorded the payload.
      if (!done(seen)) return;
      clearTimeout(timer);
      socket.off(event, onEvent);
      resolve();
    };
    const timer = setTimeout(() => {
      socket.off(event, onEvent);
      reject(new Error(`timed out after ${timeoutMs} ms waiting on "${event}"; collected: ${JSON.stringify(seen)}`));
    }, timeoutMs);
    socket.on(event, onEvent);
  });
}

/** How often each key occurs. */
function counts(keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

/** A `/internal` service socket, authenticated in the handshake. */
async function connectService(node: Gateway): Promise<ClientSocket> {
  const socket = createClient(`${node.url}/internal`, { auth: { serviceName: SERVICE_NAME, serviceKey: SERVICE_KEY } });
  const { event, payload } = await firstOf<ConnectErrorLike>(socket, ['authenticated', 'connect_error']);
  if (event === 'connect_error') throw new Error(`service connect_error ${payload.message}`);
  return socket;
}

/**
 * A client that reconnects by itself (Socket.IO's own reconnection), with a short delay.
 * Resolves once the server's `connected` arrived.
 */
async function connectReconnecting(node: Gateway, token: string): Promise<ClientSocket> {
  const socket = createClient(node.url, { auth: { token }, reconnection: true, reconnectionDelay: 50, randomizationFactor: 0 });
  const { event, payload } = await firstOf<ConnectErrorLike>(socket, ['connected', 'connect_error']);
  if (event === 'connect_error') throw new Error(`connect_error ${payload.message}`);
  return socket;
}

/**
 * Kills the client's transport without a DISCONNECT packet (the server sees "transport close",
 * like a network drop) and holds the client's reconnection until comeBack(); resolves with the
 * client's disconnect reason.
 */
async function dropTransport(socket: ClientSocket): Promise<string> {
  const gone = new Promise<string>((resolve) => {
    socket.once('disconnect', (reason) => {
      // Runs before the manager schedules its reconnect: hold it while the test acts.
      socket.io.reconnection(false);
      resolve(reason);
    });
  });
  socket.io.engine.close();
  return gone;
}

/**
 * Lets a dropped client reconnect, to `node` (a load balancer's choice; socket.io-client keeps
 * its manager's URL private). It offers its pid and last offset, as any reconnect does.
 */
function comeBack(socket: ClientSocket, node: Gateway): Promise<{ event: string; payload: ConnectErrorLike }> {
  (socket.io as unknown as { uri: string }).uri = node.url;
  const outcome = firstOf<ConnectErrorLike>(socket, ['connected', 'connect_error']);
  socket.connect();
  return outcome;
}

/** comeBack(), expecting success. */
async function reconnectTo(socket: ClientSocket, node: Gateway): Promise<void> {
  const { event, payload } = await comeBack(socket, node);
  if (event === 'connect_error') throw new Error(`reconnect failed: connect_error ${payload.message}`);
}

/** The recovery record the server keeps for a client (src/engine/redis/redis-keys.ts). */
function recoveryKey(prefix: string, socket: ClientSocket): string {
  const pid = (socket as unknown as { _pid?: string })._pid;
  if (!pid) throw new Error('the server offered no recovery session (no pid)');
  return `${prefix}:rec:{${pid}}`;
}

describe('three nodes on one Redis', () => {
  let prefix: string;
  let nodes: Gateway[];
  let bus: Redis;

  beforeAll(async () => {
    ({ prefix, nodes } = await startCluster(3));
    bus = redisClient();
  }, 60_000);

  afterAll(async () => {
    bus?.disconnect();
    await stopCluster();
  });

  it('delivers each event exactly once to each of a user\'s sockets, whatever the path (HTTP, control bus plain and GCM, /internal, chat)', async () => {
    const u = fresh('u');
    const v = fresh('v');
    const chatId = fresh('chat');
    await setMembers(nodes[0], chatId, [u, v]);
    const token = userToken(u); // one session, one tab per node
    const sockets = await Promise.all(nodes.map((n) => connectUser(n.url, token)));
    const pushes = sockets.map((s) => collect<Tagged>(s, 'notification:new'));
    const chatMessages = sockets.map((s) => collect<ChatMessage>(s, 'message:new'));
    const sender = await connectUser(nodes[2].url, userToken(v));
    const echoes = collect<ChatMessage>(sender, 'message:new');
    const service = await connectService(nodes[1]);

    const paths: Array<[string, (tag: string) => Promise<unknown>]> = [
      ['http', (tag) => httpEmit(nodes[0], u, 'notification:new', { tag })],
      [
        'bus-plain',
        (tag) => bus.publish(`${prefix}:emit`, JSON.stringify({ userId: u, event: 'notification:new', payload: { tag }, encrypted: false })),
      ],
      [
        'bus-gcm',
        (tag) =>
          bus.publish(
            `${prefix}:emit`,
            JSON.stringify({ userId: encryptField(u, CRYPTO), event: encryptField('notification:new', CRYPTO), payload: encryptJson({ tag }, CRYPTO) }),
          ),
      ],
      [
        'internal-ns',
        async (tag) => {
          const ack = await service.timeout(5000).emitWithAck('emit', { userId: u, event: 'notification:new', payload: { tag } });
          expect(ack).toEqual({ ok: true, data: { recipients: { total: 1, sent: 1, failed: 0 } } });
        },
      ],
    ];
    const expected: string[] = [];
    for (const [path, send] of paths) {
      const tags = [`${path}#1`, `${path}#2`, `${path}#barrier`];
      const arrived = sockets.map((s) => untilAllSeen<Tagged>(s, 'notification:new', (p) => p.tag, tags));
      for (const tag of tags) await send(tag);
      await Promise.all(arrived);
      expected.push(...tags);
    }

    const tempIds = ['chat#1', 'chat#2', 'chat#barrier'];
    const chatArrived = sockets.map((s) =>
      untilAllSeen<ChatMessage>(s, 'message:new', (p) => (p.chatId === chatId ? p.tempId : undefined), tempIds),
    );
    for (const tempId of tempIds) {
      const ack = await sender.timeout(5000).emitWithAck('message:new', { chatId, content: tempId, messageType: 'text', tempId });
      expect(ack).toEqual({ ok: true, data: expect.objectContaining({ tempId }) });
    }
    await Promise.all(chatArrived);

    // A last barrier from every node: anything still in flight (a second copy) lands before it.
    const finals = nodes.map((_, i) => `final#${i}`);
    const finalArrived = sockets.map((s) => untilAllSeen<Tagged>(s, 'notification:new', (p) => p.tag, finals));
    for (const [i, node] of nodes.entries()) await httpEmit(node, u, 'notification:new', { tag: finals[i] });
    await Promise.all(finalArrived);
    await Promise.all([...sockets, sender].map(roundTrip));

    const once = counts([...expected, ...finals]);
    for (const [i] of sockets.entries()) {
      expect(counts(pushes[i].map((p) => p.tag))).toEqual(once);
      expect(counts(chatMessages[i].filter((m) => m.chatId === chatId).map((m) => m.tempId ?? ''))).toEqual(counts(tempIds));
    }
    // HTTP and the /internal emits are ordered per path; the control bus promises no order.
    for (const pushed of pushes) {
      const order = pushed.map((p) => p.tag);
      for (const path of ['http', 'internal-ns']) {
        expect(order.filter((t) => t.startsWith(`${path}#`))).toEqual([`${path}#1`, `${path}#2`, `${path}#barrier`]);
      }
    }
    expect(echoes).toEqual([]); // the sender's own socket is not echoed
  });

  it('single login across nodes: a new session on node 2 logs the old one out on every node, once; it cannot return on node 3', async () => {
    const x = fresh('x');
    const oldToken = userToken(x, `${x}-s1`);
    const tabs = [await connectUser(nodes[0].url, oldToken), await connectUser(nodes[2].url, oldToken)];
    const logouts = tabs.map((s) => collect<{ reason: string }>(s, 'auth:logout'));
    const gone = tabs.map((s) => disconnected(s));

    const current = await connectUser(nodes[1].url, userToken(x, `${x}-s2`));

    expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect']);
    expect(logouts).toEqual([[{ reason: 'session_replaced' }], [{ reason: 'session_replaced' }]]);
    const refused = await connectError(nodes[2].url, oldToken);
    expect(refused.message).toBe('SESSION_REVOKED');
    expect(refused.data).toEqual({ code: 'SESSION_REVOKED', message: expect.any(String) });
    // The active session is untouched and still reachable from any node.
    const pushed = nextEvent<Tagged>(current, 'notification:new');
    await httpEmit(nodes[2], x, 'notification:new', { tag: 'still-here' });
    expect(await pushed).toEqual({ tag: 'still-here' });
    expect(current.connected).toBe(true);
    expect(logouts).toEqual([[{ reason: 'session_replaced' }], [{ reason: 'session_replaced' }]]);
  });

  describe('connection-state recovery (RECOVERY_WINDOW_MS=60000)', () => {
    it.each<[string, number]>([
      ['on the same node', 0],
      ['on another node', 1],
    ])('a dropped client gets the 3 events it missed, once each and in order, when it comes back %s', async (_label, backTo) => {
      const u = fresh('r');
      const socket = await connectReconnecting(nodes[0], userToken(u));
      const pushes = collect<Tagged>(socket, 'notification:new');
      const idBefore = socket.id;
      const key = recoveryKey(prefix, socket);

      expect(await dropTransport(socket)).not.toBe('io server disconnect');
      // The server saw the transport close and stored the session for recovery.
      await eventually('the server to mark the recovery record gone', () => bus.hget(key, 'state'), (state) => state === 'gone');
      for (const tag of ['missed#1', 'missed#2', 'missed#3']) await httpEmit(nodes[1], u, 'notification:new', { tag });
      expect(pushes).toEqual([]);

      await reconnectTo(socket, nodes[backTo]);
      await roundTrip(socket);

      expect(socket.recovered).toBe(true);
      expect(socket.id).toBe(idBefore);
      expect(pushes.map((p) => p.tag)).toEqual(['missed#1', 'missed#2', 'missed#3']);
      // Rooms and presence are back too: a new emit arrives once, the user counts one device.
      const next = nextMatching<Tagged>(socket, 'notification:new', (p) => p.tag === 'after');
      await httpEmit(nodes[2], u, 'notification:new', { tag: 'after' });
      await next;
      await roundTrip(socket);
      expect(pushes.map((p) => p.tag)).toEqual(['missed#1', 'missed#2', 'missed#3', 'after']);
      expect(await presenceOfOne(nodes[2], u)).toEqual(expect.objectContaining({ status: 'online', devices: 1 }));
    });

    it('a client that drops and comes back on another node while traffic flows misses nothing and gets nothing twice', async () => {
      const u = fresh('rt');
      const socket = await connectReconnecting(nodes[0], userToken(u));
      const seqs: number[] = [];
      socket.on('notification:new', (p: { seq: number }) => seqs.push(p.seq));
      let nextSeq = 0;
      let traffic = true;
      const pump = (async () => {
        while (traffic) await httpEmit(nodes[2], u, 'notification:new', { seq: nextSeq++ });
      })();
      try {
        await eventually('traffic to flow', async () => seqs.length, (n) => n >= 10);
        const key = recoveryKey(prefix, socket);
        await dropTransport(socket);
        await eventually('the server to mark the recovery record gone', () => bus.hget(key, 'state'), (state) => state === 'gone');
        const away = nextSeq;
        await eventually('traffic while away', async () => nextSeq, (n) => n >= away + 10);
        // The handshake takes a few store round trips: traffic keeps flowing through it.
        await reconnectTo(socket, nodes[1]);
        expect(socket.recovered).toBe(true);
        const back = nextSeq;
        await eventually('traffic after the return', async () => nextSeq, (n) => n >= back + 30);
      } finally {
        traffic = false;
        await pump;
      }
      const last = nextSeq - 1;
      await untilCollected(socket, 'notification:new', seqs, (seen) => seen.includes(last));
      await roundTrip(socket);
      expect(seqs).toEqual(Array.from({ length: last + 1 }, (_, k) => k));
    });

    it('a client whose session was replaced while it was away is refused and gets none of what it missed', async () => {
      const x = fresh('rv');
      const socket = await connectReconnecting(nodes[0], userToken(x, `${x}-old`));
      const key = recoveryKey(prefix, socket);
      await dropTransport(socket);
      await eventually('the server to mark the recovery record gone', () => bus.hget(key, 'state'), (state) => state === 'gone');
      const current = await connectUser(nodes[1].url, userToken(x, `${x}-new`));
      const delivered = nextEvent<Tagged>(current, 'notification:new');
      await httpEmit(nodes[2], x, 'notification:new', { tag: 'private' });
      expect(await delivered).toEqual({ tag: 'private' });

      const wire: Array<{ type: number; data?: unknown }> = [];
      socket.io.on('packet', (packet) => wire.push(packet));
      const { event, payload } = await comeBack(socket, nodes[2]);

      expect(event).toBe('connect_error');
      expect(payload.message).toBe('SESSION_REVOKED');
      expect(wire.map((p) => p.type)).toEqual([4]); // CONNECT_ERROR only: no EVENT before the refusal
    });
  });
});

describe('recovery window passed (RECOVERY_WINDOW_MS=1000)', () => {
  let prefix: string;
  let nodes: Gateway[];
  let bus: Redis;

  beforeAll(async () => {
    ({ prefix, nodes } = await startCluster(2, { RECOVERY_WINDOW_MS: '1000' }));
    bus = redisClient();
  }, 60_000);

  afterAll(async () => {
    bus?.disconnect();
    await stopCluster();
  });

  it('a client away longer than the window reconnects unrecovered, with its user room rebuilt', async () => {
    const u = fresh('late');
    const socket = await connectReconnecting(nodes[0], userToken(u));
    const pushes = collect<Tagged>(socket, 'notification:new');
    const key = recoveryKey(prefix, socket);

    await dropTransport(socket);
    await eventually('the server to mark the recovery record gone', () => bus.hget(key, 'state'), (state) => state === 'gone');
    await httpEmit(nodes[1], u, 'notification:new', { tag: 'lost' });
    // Stay away until the window (1 s) has passed since the server saw the drop.
    const goneAt = Number(await bus.hget(key, 'goneAt'));
    await eventually('the recovery window to pass', async () => Date.now() - goneAt, (away) => away > 1500, { timeoutMs: 5000 });

    await reconnectTo(socket, nodes[1]);
    expect(socket.recovered).toBe(false);

    const next = nextMatching<Tagged>(socket, 'notification:new', (p) => p.tag === 'fresh');
    await httpEmit(nodes[0], u, 'notification:new', { tag: 'fresh' });
    await next;
    await roundTrip(socket);
    expect(pushes.map((p) => p.tag)).toEqual(['fresh']);
  });
});

describe('a node killed with SIGKILL', () => {
  let nodes: Gateway[];

  beforeAll(async () => {
    ({ nodes } = await startCluster(3));
  }, 60_000);

  afterAll(stopCluster);

  it('its users go offline for their friends within the node TTL, and can reconnect elsewhere', async () => {
    const w = fresh('w');
    const u = fresh('u');
    await befriend(nodes[0], w, u);
    const watcher = await connectUser(nodes[0].url, userToken(w));
    const online = nextMatching<PresenceUpdate>(watcher, 'presence:update', (p) => p.userId === u && p.status === 'online');
    const token = userToken(u);
    const victim = await connectUser(nodes[1].url, token);
    await online;
    const victimGone = disconnected(victim, 10_000);
    const offline = nextMatching<PresenceUpdate>(watcher, 'presence:update', (p) => p.userId === u && p.status === 'offline', 6000);

    nodes[1].child.kill('SIGKILL');
    expect(await exitOf(nodes[1])).toEqual({ code: null, signal: 'SIGKILL' });

    expect(await offline).toEqual(expect.objectContaining({ userId: u, status: 'offline', lastSeen: expect.any(String) }));
    expect(await presenceOfOne(nodes[0], u)).toEqual(expect.objectContaining({ userId: u, status: 'offline', devices: 0 }));
    await victimGone;

    const backOnline = nextMatching<PresenceUpdate>(watcher, 'presence:update', (p) => p.userId === u && p.status === 'online');
    const again = await connectUser(nodes[2].url, token);
    await backOnline;
    expect(again.connected).toBe(true);
    expect(await presenceOfOne(nodes[0], u)).toEqual(expect.objectContaining({ status: 'online', devices: 1 }));
  });
});

describe('a node stopped with SIGTERM under traffic', () => {
  let nodes: Gateway[];

  beforeAll(async () => {
    ({ nodes } = await startCluster(3));
  }, 60_000);

  afterAll(stopCluster);

  it('its clients get server:shutdown, move to the other nodes and lose nothing; the node exits 0 in time', async () => {
    const users = Array.from({ length: 4 }, () => fresh('t'));
    const fallback = [nodes[1], nodes[2]];
    interface Handover {
      notice: Promise<unknown>;
      moved: Promise<ClientSocket>;
      /** The first traffic sequence number sent after the new socket announced itself. */
      boundary: () => number;
      before: number[];
      after: number[];
    }
    let nextSeq = 0;
    const handovers: Handover[] = await Promise.all(
      users.map(async (user, i): Promise<Handover> => {
        const token = userToken(user);
        const old = await connectUser(nodes[0].url, token, { reconnection: true, reconnectionDelay: 50 });
        const before: number[] = [];
        const after: number[] = [];
        untyped(old).on('notification:new', (p: { seq: number }) => before.push(p.seq));
        let boundary = Number.POSITIVE_INFINITY;
        const notice = nextEvent(old, 'server:shutdown', 10_000);
        notice.catch(() => undefined); // awaited below; a failure elsewhere must not leave it unhandled
        // The client's own reconnection would retry node 1; a load balancer would send it
        // elsewhere: on disconnect, open a socket to another node with the same token, offering
        // the old connection's recovery state like socket.io-client does when it reconnects.
        const moved = new Promise<ClientSocket>((resolve, reject) => {
          old.once('disconnect', () => {
            const { _pid: pid, _lastOffset: offset } = old as unknown as { _pid?: string; _lastOffset?: string };
            old.close();
            const next = createClient(fallback[i % 2].url, { auth: { token, pid, offset }, reconnection: true, reconnectionDelay: 50 });
            next.on('notification:new', (p: { seq: number }) => after.push(p.seq));
            next.once('connected', () => {
              boundary = nextSeq;
              resolve(next);
            });
            next.once('connect_error', reject);
          });
        });
        moved.catch(() => undefined); // awaited below, as above
        return { notice, moved, boundary: () => boundary, before, after };
      }),
    );

    // Traffic: one emit to all the users at a time, from node 3, until told to stop.
    let traffic = true;
    const pump = (async () => {
      while (traffic) await httpEmit(nodes[2], users, 'notification:new', { seq: nextSeq++ });
    })();
    let sockets: ClientSocket[];
    try {
      await eventually('traffic to flow', async () => nextSeq, (n) => n >= 5);
      nodes[0].child.kill('SIGTERM');
      await Promise.all(handovers.map((h) => h.notice));
      sockets = await Promise.all(handovers.map((h) => h.moved));
      expect(await exitOf(nodes[0], SHUTDOWN_TIMEOUT_MS + 2000)).toEqual({ code: 0, signal: null });
      // Drained in time: the SHUTDOWN_TIMEOUT_MS deadline did not force the exit.
      expect(nodes[0].stdout() + nodes[0].stderr()).not.toContain('Shutdown timeout reached');
      // Keep the traffic going a little after everybody is back, then stop it.
      const target = nextSeq + 20;
      await eventually('more traffic after the handover', async () => nextSeq, (n) => n >= target);
    } finally {
      traffic = false;
      await pump;
    }
    const last = nextSeq - 1;
    await Promise.all(handovers.map((h, i) => untilCollected(sockets[i], 'notification:new', h.after, (seen) => seen.includes(last))));
    await Promise.all(sockets.map(roundTrip));

    for (const h of handovers) {
      // Everything sent after the client was back arrived, once each, in order...
      const expected = Array.from({ length: last + 1 - h.boundary() }, (_, k) => h.boundary() + k);
      expect(h.after.filter((s) => s >= h.boundary())).toEqual(expected);
      // ...and, recovered from the old connection's state, nothing sent during the move was lost.
      expect([...h.before, ...h.after]).toEqual(Array.from({ length: last + 1 }, (_, k) => k));
    }
    expect(await httpStatus(nodes[0].url, '/health/live')).toBe('refused');
  });
});

describe('Redis stopped and restarted on the same port', () => {
  let prefix: string;
  let nodes: Gateway[];

  beforeAll(async () => {
    ({ prefix, nodes } = await startCluster(2));
  }, 60_000);

  afterAll(stopCluster);

  it('nodes stay up but unready and refuse handshakes while it is down, then everything works again', async () => {
    const earlyUser = fresh('early');
    const early = await connectUser(nodes[0].url, userToken(earlyUser));

    await redis.stop();

    for (const node of nodes) {
      await eventually(`readiness 503 on ${node.url}`, () => httpStatus(node.url, '/health/ready'), (s) => s === 503);
      expect(await httpStatus(node.url, '/health/live')).toBe(200);
    }
    const refused = await connectError(nodes[1].url, userToken(fresh('during')));
    expect(refused.message).toBe('UNAVAILABLE');
    expect(refused.data).toEqual({ code: 'UNAVAILABLE', message: expect.any(String) });
    expect(nodes.every((n) => n.running())).toBe(true);
    expect(early.connected).toBe(true);

    await redis.restart(); // empty: persistence is off

    for (const node of nodes) {
      await eventually(`readiness 200 on ${node.url}`, () => httpStatus(node.url, '/health/ready'), (s) => s === 200, { timeoutMs: 10_000, intervalMs: 100 });
    }
    const q = fresh('q');
    const socket = await connectUser(nodes[1].url, userToken(q));
    const viaHttp = nextMatching<Tagged>(socket, 'notification:new', (p) => p.tag === 'http-after-restart');
    await httpEmit(nodes[0], q, 'notification:new', { tag: 'http-after-restart' });
    await viaHttp;
    // Both adapters read the new stream: the other way round too, to a socket that lived through the outage.
    const toEarly = nextMatching<Tagged>(early, 'notification:new', (p) => p.tag === 'to-early');
    await httpEmit(nodes[1], earlyUser, 'notification:new', { tag: 'to-early' });
    await toEarly;
    // Redis came back empty; the node re-registered the socket that lived through the outage.
    await eventually(
      'the surviving socket to count as online again',
      async () => {
        const res = await fetch(`${nodes[1].url}/internal/presence?userIds=${earlyUser}`, { headers: { authorization: `Bearer ${TEST_INTERNAL_SECRET}` } });
        return ((await res.json()) as { data: { users: Array<{ devices: number }> } }).data.users[0].devices;
      },
      (devices) => devices === 1,
      { timeoutMs: 10_000, intervalMs: 100 },
    );

    const bus = redisClient();
    try {
      // Every node's control-bus subscriber is back on the channel.
      await eventually(
        'both control-bus subscribers to re-subscribe',
        async () => (await bus.pubsub('NUMSUB', `${prefix}:emit`)) as [string, number],
        ([, n]) => Number(n) === nodes.length,
        { timeoutMs: 10_000, intervalMs: 100 },
      );
      const pushes = collect<Tagged>(socket, 'notification:new');
      const viaBus = nextMatching<Tagged>(socket, 'notification:new', (p) => p.tag === 'bus-after-restart');
      await bus.publish(`${prefix}:emit`, JSON.stringify({ userId: q, event: 'notification:new', payload: { tag: 'bus-after-restart' }, encrypted: false }));
      await viaBus;
      // A barrier from every node before counting: a second copy would land before it.
      const barriers = nodes.map((_, i) => `barrier#${i}`);
      const barrier = untilAllSeen<Tagged>(socket, 'notification:new', (p) => p.tag, barriers);
      for (const [i, node] of nodes.entries()) await httpEmit(node, q, 'notification:new', { tag: barriers[i] });
      await barrier;
      await roundTrip(socket);
      expect(counts(pushes.map((p) => p.tag))).toEqual(counts(['bus-after-restart', ...barriers]));
    } finally {
      bus.disconnect();
    }
  });
});
