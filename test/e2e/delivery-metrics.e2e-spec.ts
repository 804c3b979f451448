import { LifecycleService } from '../../src/lifecycle/lifecycle.service.js';
import { fresh, redisEnv, startApp, type TestApp, TEST_INTERNAL_SECRET, uniquePrefix, useApp, useApps, userToken } from '../support/app.js';
import { ack, type ClientSocket, closeAllClients, collect, connectUser, nextEvent, roundTrip } from '../support/client.js';
import { type MetricSample, scrapeMetrics, sumOf } from '../support/metrics.js';

// docs/operations.md (metrics): messages delivered by namespace and kind, outbound bytes, and
// prom-client's standard process_* / nodejs_* names.

const DELIVERED = 'gateway_messages_delivered_total';
const BYTES = 'gateway_outbound_bytes_total';

async function emit(app: TestApp, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${app.url}/internal/emit`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TEST_INTERNAL_SECRET}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`emit answered ${res.status}: ${await res.text()}`);
}

/** The change of each counter between two scrapes. */
function delta(before: MetricSample[], after: MetricSample[], name: string, labels: Record<string, string>): number {
  return sumOf(after, name, labels) - sumOf(before, name, labels);
}

afterEach(() => closeAllClients());

describe('delivery metrics, memory engine', () => {
  const app = useApp();

  it('counts a push to a user once per socket of that user, as targeted on /, and its bytes', async () => {
    const user = fresh('two-devices');
    const sockets = [await connectUser(app.url, userToken(user, 'tabs')), await connectUser(app.url, userToken(user, 'tabs'))];
    const bystander = await connectUser(app.url, userToken(fresh('bystander')));
    const before = await scrapeMetrics(app.url);

    const title = 'x'.repeat(1000);
    const received = sockets.map((s) => nextEvent(s, 'notification:new'));
    await emit(app, { userId: user, event: 'notification:new', payload: { title } });
    await Promise.all(received);
    await roundTrip(bystander);

    const after = await scrapeMetrics(app.url);
    expect(delta(before, after, DELIVERED, { namespace: '/', kind: 'targeted' })).toBe(2);
    expect(delta(before, after, DELIVERED, { kind: 'room' })).toBe(0);
    expect(delta(before, after, DELIVERED, { kind: 'broadcast' })).toBe(0);
    // Both copies of the 1,000-character payload went out over the WebSocket transport.
    expect(delta(before, after, BYTES, { transport: 'websocket' })).toBeGreaterThanOrEqual(2 * title.length);
  });

  it('counts a push to a room once per socket in it, as room', async () => {
    const chatId = fresh('chat');
    const members = await Promise.all(['m1', 'm2', 'm3'].map((m) => connectUser(app.url, userToken(fresh(m), 's', { chats: [chatId] }))));
    for (const member of members) expect((await ack(member, 'chat:join', { chatId })).ok).toBe(true);
    const before = await scrapeMetrics(app.url);

    const received = members.map((s) => nextEvent(s, 'chat:updated'));
    await emit(app, { room: `chat:${chatId}`, event: 'chat:updated', payload: { chatId } });
    await Promise.all(received);

    const after = await scrapeMetrics(app.url);
    expect(delta(before, after, DELIVERED, { namespace: '/', kind: 'room' })).toBe(3);
    expect(delta(before, after, DELIVERED, { kind: 'targeted' })).toBe(0);
  });

  it('exports the standard process and Node.js metric names, none under gateway_', async () => {
    const names = new Set((await scrapeMetrics(app.url)).map((s) => s.name));
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_gc_duration_seconds_count']) {
      expect(names).toContain(name);
    }
    expect([...names].filter((n) => /^gateway_(process|nodejs)_/.test(n))).toEqual([]);
  });
});

describe('delivery metrics: the drain', () => {
  it('counts the shutdown notice, one to each local socket, as targeted', async () => {
    const app = await startApp({ SHUTDOWN_DRAIN_DELAY_MS: '0', SHUTDOWN_SPREAD_MS: '0' });
    try {
      const sockets = await Promise.all([1, 2, 3].map((i) => connectUser(app.url, userToken(fresh(`b${i}`)))));
      const before = await scrapeMetrics(app.url);
      const notices = sockets.map((s) => nextEvent(s, 'server:shutdown'));
      await app.app.get(LifecycleService).drain();
      await Promise.all(notices);
      const after = await scrapeMetrics(app.url);
      expect(delta(before, after, DELIVERED, { namespace: '/', kind: 'targeted' })).toBe(3);
      expect(delta(before, after, DELIVERED, { namespace: '/', kind: 'broadcast' })).toBe(0);
    } finally {
      await app.close();
    }
  });
});

describe('delivery metrics, two nodes on one Redis', () => {
  const [node1, node2] = useApps(2, () => redisEnv(uniquePrefix('delivery-metrics')));

  it('counts a delivery on the node that holds the socket, not on the node the push came in by', async () => {
    const user = fresh('remote');
    const socket: ClientSocket = await connectUser(node2.url, userToken(user));
    const seen = collect(socket, 'notification:new');
    const [before1, before2] = [await scrapeMetrics(node1.url), await scrapeMetrics(node2.url)];

    const received = nextEvent(socket, 'notification:new');
    await emit(node1, { userId: user, event: 'notification:new', payload: { title: 'across nodes' } });
    await received;
    await roundTrip(socket);

    const [after1, after2] = [await scrapeMetrics(node1.url), await scrapeMetrics(node2.url)];
    expect(seen).toHaveLength(1);
    expect(delta(before2, after2, DELIVERED, { namespace: '/', kind: 'targeted' })).toBe(1);
    expect(delta(before1, after1, DELIVERED, { namespace: '/', kind: 'targeted' })).toBe(0);
  });
});
