import { TEST_INTERNAL_SECRET, TEST_JWT_SECRET, fresh, userToken } from '../support/app.js';
import { closeAllClients, collect, connectUser, roundTrip } from '../support/client.js';
import { eventually } from '../support/eventually.js';
import { idleLive, percentile, promptBound, startLiveProbe } from '../support/live-probe.js';
import { assertBuilt, killAllGateways, startGateway } from '../support/node-process.js';
import { freePort } from '../support/redis-server.js';

// Overload is shed, reliably (SPEC §6.3, §7): batches sent as fast as 64 connections can send
// them — each waiting what Retry-After asks after a 503, as a backend should — against
// `node dist/main.js` with its default settings. The intake answers some of them 503 instead of
// letting the backlog grow, /health/live stays prompt, nothing else fails, and every accepted item
// is delivered. (The reliability harness also measures senders that ignore Retry-After.)

const CONNECTIONS = 64;
const LOAD_MS = 3000;
const ITEMS = 500;
/** One item in this many targets the connected user; the others target users who are offline. */
const TRACED_EVERY = 100;


beforeAll(() => assertBuilt());
afterAll(async () => {
  closeAllClients();
  await killAllGateways();
});

describe('overload (batches as fast as 64 connections can send, default settings)', () => {
  it('answers the excess 503 + Retry-After, keeps /health/live prompt, and delivers every accepted item', async () => {
    const gw = await startGateway({ PORT: String(await freePort()), HOST: '127.0.0.1', JWT_SECRET: TEST_JWT_SECRET, INTERNAL_SECRET: TEST_INTERNAL_SECRET, LOG_LEVEL: 'warn' });
    const tracedUser = fresh('traced');
    const socket = await connectUser(gw.url, userToken(tracedUser));
    const received = collect<number>(socket, 'message');

    // The untraced items are the same in every batch: only the traced ones are built per batch.
    const offline = Array.from({ length: ITEMS }, (_, i) => JSON.stringify({ userId: `offline-${i}`, event: 'message', payload: { i } }));
    let seq = 0;
    const batch = (): { body: string; traced: number[] } => {
      const traced: number[] = [];
      const items = offline.map((item, i) => {
        if (i % TRACED_EVERY !== 0) return item;
        traced.push(++seq);
        return JSON.stringify({ userId: tracedUser, event: 'message', payload: seq });
      });
      return { body: `{"items":[${items.join(',')}]}`, traced };
    };
    const statuses = new Map<number, number>();
    const accepted: number[] = [];
    let missingRetryAfter = 0;
    const until = Date.now() + LOAD_MS;
    const sender = async () => {
      while (Date.now() < until) {
        const { body, traced } = batch();
        const res = await fetch(`${gw.url}/internal/emit/batch`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${TEST_INTERNAL_SECRET}`, 'Content-Type': 'application/json' },
          body,
        });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 200) accepted.push(...traced);
        if (res.status === 503 && !res.headers.get('retry-after')) missingRetryAfter += 1;
        if (res.status === 503) await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)));
      }
    };
    // Warm: the first batches of a fresh process run unoptimised code.
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${gw.url}/internal/emit/batch`, { method: 'POST', headers: { Authorization: `Bearer ${TEST_INTERNAL_SECRET}`, 'Content-Type': 'application/json' }, body: `{"items":[${offline.join(',')}]}` });
      await res.arrayBuffer();
    }
    const idle = await idleLive(gw.url);
    const probe = startLiveProbe(gw.url);
    await Promise.all(Array.from({ length: CONNECTIONS }, sender));
    const live = await probe.stop();

    expect([...statuses.keys()].sort()).toEqual([200, 503]);
    expect(missingRetryAfter).toBe(0);
    expect(percentile(live, 0.5)).toBeLessThanOrEqual(promptBound(idle.p50, 100));
    expect(percentile(live, 0.99)).toBeLessThanOrEqual(promptBound(idle.p99, 500));
    // Nothing accepted is lost: every traced item of a 200 batch reaches the user, once.
    await eventually('every accepted item', async () => received.length, (n) => n >= accepted.length, { timeoutMs: 10_000 });
    await roundTrip(socket);
    expect([...received].sort((a, b) => a - b)).toEqual([...accepted].sort((a, b) => a - b));
  });
});
