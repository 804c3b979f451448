import { TEST_JWT_SECRET, signToken } from '../support/app.js';
import { closeAllClients, createClient } from '../support/client.js';
import { idleLive, percentile, promptBound, startLiveProbe } from '../support/live-probe.js';
import { scrapeMetrics, sumOf } from '../support/metrics.js';
import { assertBuilt, killAllGateways, startGateway } from '../support/node-process.js';
import { freePort } from '../support/redis-server.js';

// SPEC §7, reconnect storms: a node that receives a thousand handshakes at once stays responsive
// (/health/live prompt), admits them at the rate it can verify them, answers the others 503 with
// Retry-After (Socket.IO clients retry by themselves) and lets none of them time out: every
// client gets in. Against `node dist/main.js` with its default settings.

const CLIENTS = 1000;

beforeAll(() => assertBuilt());
afterAll(async () => {
  closeAllClients();
  await killAllGateways();
});

describe(`a storm of ${CLIENTS} handshakes at once`, () => {
  it('lets every client in without a timeout, refusing the excess 503 + Retry-After, and /health/live stays prompt', async () => {
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

    // Nobody timed out; whatever was refused was refused with a 503 (and retried).
    expect([...errors.keys()].filter((m) => /timeout/i.test(m))).toEqual([]);
    expect([...refusedStatuses].filter((s) => s !== '503')).toEqual([]);
    const metrics = await scrapeMetrics(gw.url);
    expect(sumOf(metrics, 'gateway_connections_active')).toBe(CLIENTS);
    // The node stayed responsive while it let them in.
    expect(live.length).toBeGreaterThan(10);
    expect(percentile(live, 0.99)).toBeLessThanOrEqual(promptBound(idle.p99, 200));
  });
});
