import request from 'supertest';
import {
  type ClientSocket,
  type ConnectErrorLike,
  closeAllClients,
  collect,
  connectError,
  connectUser,
  createClient,
  disconnected,
  firstOf,
  roundTrip,
} from '../support/client.js';
import { type TestApp, TEST_INTERNAL_SECRET, redisEnv, startApp, uniquePrefix, userToken } from '../support/app.js';
import type { Env } from '../../src/config/load-config.js';

// docs/protocol.md §3 (sessions) and the session side of §5/§6.1 (force-logout, kick), across two nodes.

interface Logout {
  reason: string;
}

/** A connected socket with its auth:logout events recorded from the moment it connected. */
interface Tab {
  socket: ClientSocket;
  logouts: Logout[];
}

let userSeq = 0;
function freshUser(label: string): string {
  userSeq += 1;
  return `${label}-${process.pid}-${userSeq}-${Math.random().toString(36).slice(2, 8)}`;
}

async function open(url: string, userId: string, sessionId: string): Promise<Tab> {
  const socket = await connectUser(url, userToken(userId, sessionId));
  return { socket, logouts: collect<Logout>(socket, 'auth:logout') };
}

function post(app: TestApp, path: string, body: object) {
  return request(app.app.getHttpServer()).post(path).set('Authorization', `Bearer ${TEST_INTERNAL_SECRET}`).send(body);
}

/** Logged out exactly once with `reason`, then disconnected by the server. */
async function expectLoggedOut(tab: Tab, gone: Promise<string>, reason: string): Promise<void> {
  await expect(gone).resolves.toBe('io server disconnect');
  expect(tab.logouts).toEqual([{ reason }]);
  expect(tab.socket.connected).toBe(false);
}

/** Still connected after a full round trip over its own connection, and never logged out. */
async function expectStillConnected(...tabs: Tab[]): Promise<void> {
  for (const tab of tabs) {
    await roundTrip(tab.socket);
    expect(tab.socket.connected).toBe(true);
    expect(tab.logouts).toEqual([]);
  }
}

async function expectRevoked(url: string, userId: string, sessionId: string): Promise<void> {
  const err = await connectError(url, userToken(userId, sessionId));
  expect(err.message).toBe('SESSION_REVOKED');
  expect(err.data).toMatchObject({ code: 'SESSION_REVOKED' });
}

async function startPair(env: Env): Promise<[TestApp, TestApp]> {
  const a = await startApp(env);
  try {
    return [a, await startApp(env)];
  } catch (err) {
    await a.close();
    throw err;
  }
}

async function closeApps(...apps: Array<TestApp | undefined>): Promise<void> {
  closeAllClients();
  await Promise.all(apps.map((a) => a?.close()));
}

describe('sessions across two nodes (redis engine, single policy)', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    [a, b] = await startPair(redisEnv(uniquePrefix('sessions-single')));
  });
  afterAll(() => closeApps(a, b));
  afterEach(() => closeAllClients());

  it('a new session on node B replaces every tab of the old session on node A, with no ping-pong', async () => {
    const u = freshUser('single');
    const tab1 = await open(a.url, u, 'S1');
    const tab2 = await open(a.url, u, 'S1');
    // Two tabs of one session are both kept.
    await expectStillConnected(tab1, tab2);

    const gone1 = disconnected(tab1.socket);
    const gone2 = disconnected(tab2.socket);
    const s2 = await open(b.url, u, 'S2');
    await expectLoggedOut(tab1, gone1, 'session_replaced');
    await expectLoggedOut(tab2, gone2, 'session_replaced');

    // The replaced session cannot come back on either node, and its attempts do not disturb S2.
    await expectRevoked(a.url, u, 'S1');
    await expectRevoked(b.url, u, 'S1');
    await expectStillConnected(s2);
  });

  it('two sessions connecting at once on different nodes end with exactly one active (10 rounds)', async () => {
    interface Attempt {
      socket: ClientSocket;
      logouts: Logout[];
      outcome: 'connected' | 'refused' | 'dropped';
      error?: ConnectErrorLike;
      /** Resolves when the server disconnects the socket, whenever that happens. */
      gone: Promise<void>;
    }

    const attempt = async (url: string, token: string): Promise<Attempt> => {
      const socket = createClient(url, { auth: { token } });
      // Listen before any packet can arrive: a loser may be logged out right after (or before)
      // `connected`, even while the other attempt is still being awaited.
      const logouts = collect<Logout>(socket, 'auth:logout');
      const gone = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
      const first = await firstOf<ConnectErrorLike>(socket, ['connected', 'connect_error', 'disconnect']);
      if (first.event === 'connect_error') return { socket, logouts, gone, outcome: 'refused', error: first.payload };
      return { socket, logouts, gone, outcome: first.event === 'connected' ? 'connected' : 'dropped' };
    };

    /** Resolves with the index of the first attempt the server disconnects (possibly already). */
    const firstDropped = async (attempts: Attempt[], timeoutMs = 5000): Promise<number> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('neither racing session was logged out')), timeoutMs);
      });
      try {
        return await Promise.race([...attempts.map((r, i) => r.gone.then(() => i)), timeout]);
      } finally {
        clearTimeout(timer);
      }
    };

    const winners = { S1: 0, S2: 0 };
    for (let round = 0; round < 10; round += 1) {
      const u = freshUser(`race${round}`);
      // Index 0 is S1 on A, index 1 is S2 on B; which handshake starts first alternates per round.
      const pending: Array<Promise<Attempt>> = [];
      for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
        pending[i] = i === 0 ? attempt(a.url, userToken(u, 'S1')) : attempt(b.url, userToken(u, 'S2'));
      }
      const settled = await Promise.allSettled(pending);
      const results = settled.map((s) => {
        if (s.status === 'rejected') throw s.reason;
        return s.value;
      });

      // Never both refused: the store always admits one of them.
      expect(results.filter((r) => r.outcome === 'refused')).not.toHaveLength(2);

      let loserIndex: number;
      const connectedIdx = results.flatMap((r, i) => (r.outcome === 'connected' ? [i] : []));
      if (connectedIdx.length === 2) {
        // Both got in; the one that lost the store's race must now be logged out.
        loserIndex = await firstDropped(results);
      } else {
        expect(connectedIdx).toHaveLength(1);
        loserIndex = 1 - connectedIdx[0];
      }
      const winner = results[1 - loserIndex];
      const loser = results[loserIndex];

      if (loser.outcome === 'refused') {
        expect(loser.error?.message).toBe('SESSION_REVOKED');
        expect(loser.logouts).toEqual([]);
      } else {
        // Logged out once, then disconnected (the disconnect arrived, so nothing more can).
        expect(loser.socket.connected).toBe(false);
        expect(loser.logouts).toEqual([{ reason: 'session_replaced' }]);
      }

      const loserSession = loserIndex === 0 ? 'S1' : 'S2';
      const loserUrl = loserIndex === 0 ? a.url : b.url;
      await expectRevoked(loserUrl, u, loserSession);
      await expectStillConnected(winner);
      winners[loserIndex === 0 ? 'S2' : 'S1'] += 1;
      closeAllClients();
    }
    expect(winners.S1 + winners.S2).toBe(10);
  });

  it('POST /internal/force-logout naming a revoked session makes it connectable again and logs the other out', async () => {
    const u = freshUser('force-single');
    const s1 = await open(a.url, u, 'S1');
    const gone1 = disconnected(s1.socket);
    const s2 = await open(b.url, u, 'S2');
    await expectLoggedOut(s1, gone1, 'session_replaced');
    await expectRevoked(a.url, u, 'S1');

    const gone2 = disconnected(s2.socket);
    const res = await post(a, '/internal/force-logout', { userId: u, sessionId: 'S1' }).expect(200);
    expect(res.body).toEqual({ ok: true, data: { revokedSessions: 1 } });
    await expectLoggedOut(s2, gone2, 'force_logout');

    const back = await open(b.url, u, 'S1');
    await expectRevoked(a.url, u, 'S2');
    await expectStillConnected(back);
  });

  it('POST /internal/kick logs every socket of the user out on both nodes; the same token reconnects', async () => {
    const u = freshUser('kick');
    const onA = await open(a.url, u, 'S1');
    const onB = await open(b.url, u, 'S1');
    const bystander = await open(a.url, freshUser('bystander'), 'S9');

    let goneA = disconnected(onA.socket);
    let goneB = disconnected(onB.socket);
    const res = await post(a, '/internal/kick', { userId: u }).expect(200);
    expect(res.body).toEqual({ ok: true, data: { revokedSessions: 0 } });
    await expectLoggedOut(onA, goneA, 'kicked');
    await expectLoggedOut(onB, goneB, 'kicked');
    await expectStillConnected(bystander);

    // No invalidation: the very same token is welcome again, on both nodes; a custom reason passes through.
    const againA = await open(a.url, u, 'S1');
    const againB = await open(b.url, u, 'S1');
    goneA = disconnected(againA.socket);
    goneB = disconnected(againB.socket);
    await post(b, '/internal/kick', { userId: u, reason: 'maintenance' }).expect(200);
    await expectLoggedOut(againA, goneA, 'maintenance');
    await expectLoggedOut(againB, goneB, 'maintenance');
    await expectStillConnected(await open(b.url, u, 'S1'));
  });

  it('POST /internal/kick with invalidateSession revokes the session but a new session may connect', async () => {
    const u = freshUser('kick-inv');
    const onA = await open(a.url, u, 'S1');
    const onB = await open(b.url, u, 'S1');
    const goneA = disconnected(onA.socket);
    const goneB = disconnected(onB.socket);
    const res = await post(b, '/internal/kick', { userId: u, invalidateSession: true }).expect(200);
    expect(res.body).toEqual({ ok: true, data: { revokedSessions: 1 } });
    await expectLoggedOut(onA, goneA, 'kicked');
    await expectLoggedOut(onB, goneB, 'kicked');

    await expectRevoked(a.url, u, 'S1');
    await expectRevoked(b.url, u, 'S1');
    const fresh = await open(a.url, u, 'S2');
    await expectStillConnected(fresh);
  });
});

describe('sessions across two nodes (redis engine, multi policy, at most 2)', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    [a, b] = await startPair({
      ...redisEnv(uniquePrefix('sessions-multi')),
      SESSION_POLICY: 'multi',
      MAX_SESSIONS_PER_USER: '2',
    });
  });
  afterAll(() => closeApps(a, b));
  afterEach(() => closeAllClients());

  it('a third session revokes the oldest (session_limit) and keeps the other two', async () => {
    const u = freshUser('multi');
    const m1 = await open(a.url, u, 'm1');
    const m2 = await open(b.url, u, 'm2');
    await expectStillConnected(m1, m2);

    const gone1 = disconnected(m1.socket);
    const m3 = await open(a.url, u, 'm3');
    await expectLoggedOut(m1, gone1, 'session_limit');
    await expectStillConnected(m2, m3);
    await expectRevoked(b.url, u, 'm1');
    await expectStillConnected(m2, m3);
  });

  it('POST /internal/force-logout keeps the named session and logs the other out on every node', async () => {
    const u = freshUser('force-multi');
    const s1a = await open(a.url, u, 'S1');
    const s1b = await open(b.url, u, 'S1');
    const s2 = await open(b.url, u, 'S2');
    await expectStillConnected(s1a, s1b, s2);

    const goneA = disconnected(s1a.socket);
    const goneB = disconnected(s1b.socket);
    const res = await post(a, '/internal/force-logout', { userId: u, sessionId: 'S2' }).expect(200);
    expect(res.body).toEqual({ ok: true, data: { revokedSessions: 1 } });
    await expectLoggedOut(s1a, goneA, 'force_logout');
    await expectLoggedOut(s1b, goneB, 'force_logout');
    await expectStillConnected(s2);

    await expectRevoked(a.url, u, 'S1');
    await expectRevoked(b.url, u, 'S1');
    await expectStillConnected(s2);
  });
});

describe('sessions on one node (memory engine)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(() => closeApps(app));
  afterEach(() => closeAllClients());

  it('a new session replaces both tabs of the old one, which cannot reconnect', async () => {
    const u = freshUser('mem');
    const tab1 = await open(app.url, u, 'S1');
    const tab2 = await open(app.url, u, 'S1');
    await expectStillConnected(tab1, tab2);

    const gone1 = disconnected(tab1.socket);
    const gone2 = disconnected(tab2.socket);
    const s2 = await open(app.url, u, 'S2');
    await expectLoggedOut(tab1, gone1, 'session_replaced');
    await expectLoggedOut(tab2, gone2, 'session_replaced');
    await expectRevoked(app.url, u, 'S1');
    await expectStillConnected(s2);
  });

  it('kick with invalidateSession revokes the session; a new session connects', async () => {
    const u = freshUser('mem-kick');
    const s1 = await open(app.url, u, 'S1');
    const gone = disconnected(s1.socket);
    const res = await post(app, '/internal/kick', { userId: u, reason: 'banned', invalidateSession: true }).expect(200);
    expect(res.body).toEqual({ ok: true, data: { revokedSessions: 1 } });
    await expectLoggedOut(s1, gone, 'banned');
    await expectRevoked(app.url, u, 'S1');
    await expectStillConnected(await open(app.url, u, 'S2'));
  });
});
