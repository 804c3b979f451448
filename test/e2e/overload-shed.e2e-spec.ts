import { TEST_INTERNAL_SECRET, TEST_JWT_SECRET, fresh, userToken } from '../support/app.js';
import { closeAllClients, collect, connectUser, roundTrip } from '../support/client.js';
import { eventually } from '../support/eventually.js';
import { batchFlood } from '../support/batch-flood.js';
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

    // Warm: the first batches of a fresh process run unoptimised code.
    const warm = JSON.stringify({ items: Array.from({ length: ITEMS }, (_, i) => ({ userId: `offline-${i}`, event: 'message', payload: { i } })) });
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${gw.url}/internal/emit/batch`, { method: 'POST', headers: { Authorization: `Bearer ${TEST_INTERNAL_SECRET}`, 'Content-Type': 'application/json' }, body: warm });
      await res.arrayBuffer();
    }
    const idle = await idleLive(gw.url);
    const probe = startLiveProbe(gw.url);
    const flood = await batchFlood({ url: gw.url, secret: TEST_INTERNAL_SECRET, tracedUser, tracedEvery: TRACED_EVERY, connections: CONNECTIONS, items: ITEMS, ms: LOAD_MS });
    const live = await probe.stop();
    const { accepted, missingRetryAfter } = flood;

    expect(Object.keys(flood.statuses).sort()).toEqual(['200', '503']);
    expect(missingRetryAfter).toBe(0);
    expect(percentile(live, 0.5)).toBeLessThanOrEqual(promptBound(idle.p50, 100));
    expect(percentile(live, 0.99)).toBeLessThanOrEqual(promptBound(idle.p99, 500));
    // Nothing accepted is lost: every traced item of a 200 batch reaches the user, once.
    await eventually('every accepted item', async () => received.length, (n) => n >= accepted.length, { timeoutMs: 10_000 });
    await roundTrip(socket);
    expect([...received].sort((a, b) => a - b)).toEqual([...accepted].sort((a, b) => a - b));
  });
});
