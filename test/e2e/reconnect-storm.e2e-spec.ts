import { TEST_JWT_SECRET, signToken } from '../support/app.js';
import { closeAllClients, createClient } from '../support/client.js';
import { idleLive, percentile, promptBound, startLiveProbe } from '../support/live-probe.js';
import { scrapeMetrics, sumOf } from '../support/metrics.js';
import { assertBuilt, killAllGateways, startGateway } from '../support/node-process.js';
import { freePort } from '../support/redis-server.js';

// SPEC §7, reconnect storms: a node that receives a thousand handshakes at once stays responsive
// (/health/live prompt), admits them at the rate it can verify them while the others wait for their
// turn (a 503 with Retry-After only past the queue's bounds) and lets none of them time out: every
// client gets in, none needing a retry. Against `node dist/main.js` with its default settings.

const CLIENTS = 1000;

beforeAll(() => assertBuilt());
afterAll(async () => {
  closeAllClients();
  await killAllGateways();
});

describe(`a storm of ${CLIENTS} handshakes at once`, () => {
  it('lets every client in without a timeout or a refusal (the excess waits its turn), and /health/live stays prompt', async () => {
    const gw = await startGateway({ PORT: String(await freePort()), HOST: '127.0.0.1', JWT_SECRET: TEST_JWT_SECRET, RATE_LIMIT_MAX_CONNECTIONS: '100000', LOG_LEVEL: 'warn' });
    const idle = await idleLive(gw.url);
    const probe = startLiveProbe(gw.url);
    const errors = new Map<string, number>();
    const refusedStatuses = new Set<string>();

    await Promise.all(
      Array.from(
        { length: CLIENTS },
        (_, i) =>
          new Promise<void>((resolve, reject) => {
            const socket = createClient(gw.url, {
              auth: { token: signToken({ sub: `storm-${i}`, session_id: `s-${i}` }) },
              reconnection: true,
              reconnectionDelay: 500,
              timeout: 20_000,
            });
            socket.on('connect_error', (err: Error & { description?: { message?: string } }) => {
              errors.set(err.message, (errors.get(err.message) ?? 0) + 1);
              const status = /Unexpected server response: (\d+)/.exec(String(err.description?.message ?? ''))?.[1];
              if (status) refusedStatuses.add(status);
            });
            socket.once('connected', () => resolve());
            setTimeout(() => reject(new Error(`client ${i} not in after 40 s; errors ${JSON.stringify([...errors])}`)), 40_000).unref();
          }),
      ),
    );
    const live = await probe.stop();

    // Nobody timed out, nobody was refused: the excess waited for its turn.
    expect([...errors.keys()].filter((m) => /timeout/i.test(m))).toEqual([]);
    expect([...refusedStatuses]).toEqual([]);
    const metrics = await scrapeMetrics(gw.url);
    expect(sumOf(metrics, 'gateway_handshake_admission_refusals_total')).toBe(0);
    expect(sumOf(metrics, 'gateway_connections_active')).toBe(CLIENTS);
    // The node stayed responsive while it let them in. The probe takes ~100 samples, so this is
    // about the worst answer: the turn that reads a thousand arrivals at once takes its share
    // whatever admission does, and in a full `npm test` the other Jest worker shares the two
    // cores (220–256 ms were seen there; without admission 450 ms alone, on an idle machine).
    // The reliability harness holds the strict bound with 5,000 clients (docs/reliability.md).
    expect(live.length).toBeGreaterThan(10);
    expect(percentile(live, 0.99)).toBeLessThanOrEqual(promptBound(idle.p99, 350));
  });
});

describe('past the queue (HANDSHAKE_MAX_PENDING=1, HANDSHAKE_MAX_QUEUED=0)', () => {
  it('answers the excess 503 + Retry-After at once, counts it, and every client still gets in by retrying', async () => {
    const gw = await startGateway({
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      JWT_SECRET: TEST_JWT_SECRET,
      RATE_LIMIT_MAX_CONNECTIONS: '100000',
      LOG_LEVEL: 'warn',
      HANDSHAKE_MAX_PENDING: '1',
      HANDSHAKE_MAX_QUEUED: '0',
    });
    const refusedStatuses = new Set<string>();
    let timeouts = 0;
    const clients = 100;
    await Promise.all(
      Array.from(
        { length: clients },
        (_, i) =>
          new Promise<void>((resolve, reject) => {
            const socket = createClient(gw.url, { auth: { token: signToken({ sub: `queue-${i}`, session_id: `s-${i}` }) }, reconnection: true, reconnectionDelay: 100, timeout: 20_000 });
            socket.on('connect_error', (err: Error & { description?: { message?: string } }) => {
              if (/timeout/i.test(err.message)) timeouts++;
              const status = /Unexpected server response: (\d+)/.exec(String(err.description?.message ?? ''))?.[1];
              if (status) refusedStatuses.add(status);
            });
            socket.once('connected', () => resolve());
            setTimeout(() => reject(new Error(`client ${i} not in after 40 s`)), 40_000).unref();
          }),
      ),
    );
    expect(timeouts).toBe(0);
    expect([...refusedStatuses]).toEqual(['503']);
    const metrics = await scrapeMetrics(gw.url);
    expect(sumOf(metrics, 'gateway_handshake_admission_refusals_total', { reason: 'queue_full' })).toBeGreaterThan(0);
    expect(sumOf(metrics, 'gateway_connections_active')).toBe(clients);
  });
});
