import { TEST_INTERNAL_SECRET, TEST_JWT_SECRET, uniquePrefix, userToken, fresh, NO_LOAD_ADMISSION } from '../support/app.js';
import { type ClientSocket, closeAllClients, createClient } from '../support/client.js';
import { eventually } from '../support/eventually.js';
import { type Gateway, assertBuilt, exitOf, killAllGateways, startReadyGateways } from '../support/node-process.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';
import { type TcpProxy, startTcpProxy } from '../support/tcp-proxy.js';
import { push } from '../support/backend.js';

// docs/protocol.md §4.8 "recovery survives the node", at process level: two `node dist/main.js`
// on one redis-server, 50 clients on node A reaching it through a TCP proxy (a load balancer).
// A is stopped; the proxy sends the reconnecting clients to B. Everything pushed to them while
// they were away arrives once each and in order, counted by sequence number.

const CLIENTS = 50;

interface Client {
  userId: string;
  socket: ClientSocket;
  seqs: number[];
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

async function pushSeq(node: Gateway, userIds: string[], seq: number): Promise<void> {
  await push(node, { userIds, event: 'notification:new', payload: { seq } });
}

describe.each(['SIGKILL', 'SIGTERM'] as const)('node A stopped with %s under traffic, its clients back on node B', (signal) => {
  let nodes: Gateway[];
  let proxy: TcpProxy;

  beforeAll(async () => {
    const env = {
      REDIS_URL: redis.url,
      SOCKET_CONTROL_PREFIX: uniquePrefix('failover'),
      JWT_SECRET: TEST_JWT_SECRET,
      INTERNAL_SECRET: TEST_INTERNAL_SECRET,
      LOG_LEVEL: 'error',
      RECOVERY_WINDOW_MS: '60000',
      RATE_LIMIT_MAX_CONNECTIONS: '100000',
      SHUTDOWN_DRAIN_DELAY_MS: '200',
      SHUTDOWN_SPREAD_MS: '500',
      SHUTDOWN_TIMEOUT_MS: '5000',
      // Every push must be accepted and every client let in; load admission has its own specs.
      ...NO_LOAD_ADMISSION,
    };
    nodes = await startReadyGateways([env, env]);
    proxy = await startTcpProxy(nodes[0].port);
  }, 60_000);

  afterAll(async () => {
    closeAllClients();
    await proxy?.close();
    await killAllGateways();
  });

  it('every push made while they were away arrives once each and in order, and every client recovered', async () => {
    const [a, b] = nodes;
    const clients: Client[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const userId = fresh('fo');
      const socket = createClient(proxy.url, { auth: { token: userToken(userId) }, reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 500 });
      const seqs: number[] = [];
      socket.on('notification:new', (p: { seq: number }) => seqs.push(p.seq));
      clients.push({ userId, socket, seqs });
    }
    await eventually('all clients connected to A', async () => clients.filter((c) => c.socket.connected).length, (n) => n === CLIENTS);
    const users = clients.map((c) => c.userId);

    let nextSeq = 0;
    let traffic = true;
    const pump = (async () => {
      while (traffic) await pushSeq(b, users, nextSeq++);
    })();
    let back: number;
    try {
      await eventually('traffic to flow', async () => Math.min(...clients.map((c) => c.seqs.length)), (n) => n >= 3);
      proxy.target = b.port;
      a.child.kill(signal);
      if (signal === 'SIGTERM') expect(await exitOf(a, 10_000)).toEqual({ code: 0, signal: null });
      await eventually('every client back and recovered on B', async () => clients.filter((c) => c.socket.connected && c.socket.recovered).length, (n) => n === CLIENTS, {
        timeoutMs: 30_000,
      });
      back = nextSeq;
      await eventually('traffic after the return', async () => nextSeq, (n) => n >= back + 5);
    } finally {
      traffic = false;
      await pump;
    }
    const last = nextSeq - 1;
    await eventually('the last push to reach every client', async () => clients.filter((c) => c.seqs.includes(last)).length, (n) => n === CLIENTS, { timeoutMs: 15_000 });
    const expected = Array.from({ length: last + 1 }, (_, k) => k);
    for (const c of clients) expect({ user: c.userId, seqs: c.seqs }).toEqual({ user: c.userId, seqs: expected });
  });
});

describe('a node killed with SIGKILL (PRESENCE_NODE_TTL_MS at its default, 30 s)', () => {
  let nodes: Gateway[];

  beforeAll(async () => {
    const env = {
      REDIS_URL: redis.url,
      SOCKET_CONTROL_PREFIX: uniquePrefix('dead-node'),
      JWT_SECRET: TEST_JWT_SECRET,
      INTERNAL_SECRET: TEST_INTERNAL_SECRET,
      LOG_LEVEL: 'error',
      RATE_LIMIT_MAX_CONNECTIONS: '100000',
    };
    nodes = await startReadyGateways([env, env]);
  }, 60_000);

  afterAll(async () => {
    closeAllClients();
    await killAllGateways();
  });

  it("stops counting its users' sockets within seconds: pushes to them answer failed, not sent", async () => {
    const [a, b] = nodes;
    const userId = fresh('on-a');
    const socket = createClient(a.url, { auth: { token: userToken(userId) }, reconnection: false });
    await new Promise((resolve) => socket.once('connected', resolve));
    const report = async () => {
      const res = await fetch(`${b.url}/internal/emit`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TEST_INTERNAL_SECRET}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ userId, event: 'notification:new', payload: {} }),
      });
      return ((await res.json()) as { data: { recipients: { sent: number; failed: number } } }).data.recipients;
    };
    expect(await report()).toEqual({ total: 1, sent: 1, failed: 0 });
    a.child.kill('SIGKILL');
    await exitOf(a);
    // Well within the 30 s its heartbeat would take to lapse.
    await eventually('pushes to its user to fail', report, (r) => r.failed === 1, { timeoutMs: 10_000, intervalMs: 200 });
  });
});
