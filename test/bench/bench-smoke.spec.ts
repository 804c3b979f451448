import { setTimeout as delay } from 'node:timers/promises';
import { LoadGen, benchToken, nowUs, signHs256, summarize } from '../../bench/loadgen.mjs';
import { Publisher, type PostResult, rateStep } from '../../bench/publish.mjs';
import { type TestApp, TEST_INTERNAL_SECRET, TEST_JWT_SECRET, startApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';

// A correctness test of the `npm run bench` tooling (not a timing test): the raw Engine.IO /
// Socket.IO load generator connects, is refused, answers pings and counts deliveries exactly,
// and the rate-step publisher accounts for every POST, against a real gateway.

const SOCKETS = 50;
const PING_INTERVAL_MS = 200;
const PING_TIMEOUT_MS = 1000;

interface EmitBody {
  ok?: boolean;
  data?: { recipients?: { total: number; sent: number; failed: number } };
}

/** The counters of the generator, without its histogram (readable in a failure message). */
function counts(gen: LoadGen) {
  const { hist: _hist, ...rest } = gen.stats();
  return rest;
}

describe('bench load generator against the gateway', () => {
  let app: TestApp;
  let gen: LoadGen;

  beforeAll(async () => {
    app = await startApp({ EMIT_ALLOWED_EVENTS: 'bench', SOCKETIO_PING_INTERVAL: String(PING_INTERVAL_MS), SOCKETIO_PING_TIMEOUT: String(PING_TIMEOUT_MS) });
    gen = new LoadGen();
  });

  afterAll(async () => {
    await gen.closeAll();
    await app.close();
  });

  it('connects every socket with its token and counts refusals with their code', async () => {
    const ok = await gen.connect({ urls: [app.url], count: SOCKETS, tokenFor: (i) => benchToken(i, TEST_JWT_SECRET), concurrency: 10 });
    expect(ok).toMatchObject({ attempted: SOCKETS, connected: SOCKETS, refused: 0, failed: 0 });
    expect(ok.endUs).toBeGreaterThanOrEqual(ok.startUs);

    const bad = await gen.connect({ urls: [app.url], first: SOCKETS, count: 2, tokenFor: (i) => signHs256({ sub: `u${i}` }, 'not-the-secret') });
    expect(bad).toMatchObject({ attempted: 2, connected: 0, refused: 2, failed: 0, errors: { AUTH_INVALID: 2 } });
    expect(gen.stats().open).toBe(SOCKETS);
    expect(gen.openIndexes().sort((a, b) => a - b)).toEqual(Array.from({ length: SOCKETS }, (_, i) => i));

    // Every socket gets the gateway's `connected` event once its rooms are joined: counted, not as a bench event.
    await eventually('a connected event on every socket', async () => counts(gen), (s) => s.other === SOCKETS);
    expect(gen.stats().received).toBe(0);
  });

  it('answers engine pings, so the sockets outlive the ping timeout', async () => {
    // Without pongs the gateway would drop every socket after interval + timeout.
    await delay((PING_INTERVAL_MS + PING_TIMEOUT_MS) * 2);
    expect(gen.stats()).toMatchObject({ open: SOCKETS, disconnects: 0 });
  });

  it('counts targeted deliveries from a rate step exactly, with a latency for each', async () => {
    gen.resetStats();
    const publisher = new Publisher(app.url, TEST_INTERNAL_SECRET, 4);
    try {
      const posts = SOCKETS * 2;
      const step = await rateStep({
        publishers: [publisher],
        path: '/internal/emit',
        posts,
        seconds: 0.5,
        bodyFor: (i, dueUs) => ({ userId: `u${i % SOCKETS}`, event: 'bench', payload: { t: dueUs, s: i } }),
        check: (res: PostResult) => {
          const r = (res.body as EmitBody | null)?.data?.recipients;
          return r && r.sent === 1 ? [1, null] : [0, `HTTP ${res.status}`];
        },
      });
      expect(step).toMatchObject({ posts, sent: posts, answered: posts, ok: posts, failed: 0, expected: posts, abandoned: 0 });

      await eventually('every targeted delivery', async () => counts(gen), (s) => s.received >= posts);
      const stats = gen.stats();
      expect(stats.received).toBe(posts);
      const lat = summarize([stats.hist], stats.maxUs);
      expect(lat.count).toBe(posts);
      expect(lat.p50Ms).toBeGreaterThan(0);
      expect(lat.maxMs).toBeGreaterThanOrEqual(lat.p99Ms as number);
    } finally {
      publisher.close();
    }
  });

  it('counts a room broadcast once per socket and leaves unknown events uncounted', async () => {
    gen.resetStats();
    const publisher = new Publisher(app.url, TEST_INTERNAL_SECRET, 1);
    try {
      const res = await publisher.post('/internal/emit', { room: 'chat:bench', event: 'bench', payload: { t: nowUs(), s: 0 } });
      expect(res.status).toBe(200);
      const stats = await eventually('the broadcast on every socket', async () => counts(gen), (s) => s.received >= SOCKETS);
      expect(stats.received).toBe(SOCKETS);

      // A refused emit (event outside the allowlist) reaches nobody and is reported as such.
      const refused = await publisher.post('/internal/emit', { room: 'chat:bench', event: 'other', payload: {} });
      expect(refused.status).toBe(403);
      expect(gen.stats().received).toBe(SOCKETS);
    } finally {
      publisher.close();
    }
  });

  it('closes every socket it opened', async () => {
    await gen.closeAll();
    expect(gen.stats().open).toBe(0);
    await eventually(
      'the gateway to see every socket gone',
      async () => (await fetch(`${app.url}/health`)).json() as Promise<{ connections: { active: number } }>,
      (h) => h.connections.active === 0,
    );
  });
});
