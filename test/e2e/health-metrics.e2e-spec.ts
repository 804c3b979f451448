import { type TestApp, startApp, uniquePrefix, userToken, useApp } from '../support/app.js';
import { closeAllClients, connectError, connectUser, disconnected, roundTrip } from '../support/client.js';
import { eventually } from '../support/eventually.js';
import { parsePrometheus, scrapeMetrics, sumOf } from '../support/metrics.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';

// docs/protocol.md §7: liveness, readiness (Terminus), the /health summary and Prometheus metrics.

interface HealthSummary {
  status: string;
  connections: { active: number; total: number; peak: number };
  uptime: number;
  timestamp: string;
  engine: string;
  node: string;
}

async function get(app: TestApp, path: string): Promise<{ status: number; body: unknown; text: string; type: string }> {
  const res = await fetch(`${app.url}${path}`);
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, text, type, body: type.includes('json') ? JSON.parse(text) : undefined };
}

async function summary(app: TestApp): Promise<HealthSummary> {
  const res = await get(app, '/health');
  if (res.status !== 200) throw new Error(`GET /health answered ${res.status}`);
  return res.body as HealthSummary;
}

const METRIC_NAMES = [
  'gateway_connections_active',
  'gateway_events_received_total',
  'gateway_ack_errors_total',
  'gateway_handler_duration_seconds',
  'gateway_control_bus_messages_total',
  'gateway_rate_limit_rejections_total',
  'gateway_redis_errors_total',
];

afterEach(() => {
  closeAllClients();
});

describe('health and metrics, memory engine', () => {
  const app = useApp();

  it('GET /health/live answers 200', async () => {
    expect((await get(app, '/health/live')).status).toBe(200);
  });

  it('GET /health/ready answers 200 with the Terminus body', async () => {
    const res = await get(app, '/health/ready');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      info: { engine: { status: 'up' } },
      error: {},
      details: { engine: { status: 'up' } },
    });
  });

  it('GET /health has the documented shape', async () => {
    const before = Date.now();
    const body = await summary(app);
    const after = Date.now();
    expect(body).toEqual({
      status: 'healthy',
      connections: { active: expect.any(Number), total: expect.any(Number), peak: expect.any(Number) },
      uptime: expect.any(Number),
      timestamp: expect.any(String),
      engine: 'memory',
      node: expect.any(String),
    });
    expect(body.node).not.toBe('');
    expect(body.uptime).toBeGreaterThanOrEqual(0);
    expect(Date.parse(body.timestamp)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(body.timestamp)).toBeLessThanOrEqual(after);
  });

  it('connections.active follows a socket (1 while connected, 0 after it leaves); total and peak count it', async () => {
    const before = await summary(app);
    expect(before.connections.active).toBe(0);

    const socket = await connectUser(app.url, userToken('health-user'));
    const during = await eventually('active to be 1', () => summary(app), (s) => s.connections.active === 1);
    expect(during.connections.total).toBe(before.connections.total + 1);
    expect(during.connections.peak).toBeGreaterThanOrEqual(1);

    const gone = disconnected(socket);
    socket.disconnect();
    await gone;
    const after = await eventually('active to be 0', () => summary(app), (s) => s.connections.active === 0);
    expect(after.connections.total).toBe(during.connections.total);
    expect(after.connections.peak).toBeGreaterThanOrEqual(1);
  });

  it('GET /metrics is Prometheus text with every documented metric', async () => {
    const res = await get(app, '/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain/);
    for (const name of METRIC_NAMES) expect(res.text).toMatch(new RegExp(`^# HELP ${name} `, 'm'));
    for (const name of METRIC_NAMES) expect(res.text).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    expect(() => parsePrometheus(res.text)).not.toThrow();
  });

  it('metrics count a live socket, received events, error acks and handler latency', async () => {
    const base = await scrapeMetrics(app.url);
    const socket = await connectUser(app.url, userToken('metrics-user'));
    // roundTrip sends auth:refresh with an invalid body: received, handled, acked with an error.
    await roundTrip(socket);

    const now = await scrapeMetrics(app.url);
    expect(sumOf(now, 'gateway_connections_active')).toBe(1);
    expect(sumOf(now, 'gateway_events_received_total', { event: 'auth:refresh' })).toBe(
      sumOf(base, 'gateway_events_received_total', { event: 'auth:refresh' }) + 1,
    );
    expect(sumOf(now, 'gateway_ack_errors_total', { code: 'VALIDATION_FAILED' })).toBe(
      sumOf(base, 'gateway_ack_errors_total', { code: 'VALIDATION_FAILED' }) + 1,
    );
    expect(sumOf(now, 'gateway_handler_duration_seconds_count')).toBeGreaterThanOrEqual(sumOf(base, 'gateway_handler_duration_seconds_count'));
    expect(now.some((s) => s.name === 'gateway_handler_duration_seconds_bucket' && s.labels.le === '+Inf')).toBe(true);
  });
});

describe('METRICS_ENABLED=false', () => {
  const app = useApp({ METRICS_ENABLED: 'false' });

  it('GET /metrics answers 404 while health still answers', async () => {
    expect((await get(app, '/metrics')).status).toBe(404);
    expect((await get(app, '/health/live')).status).toBe(200);
  });
});

describe('health, Redis engine on a private redis-server that goes away and comes back', () => {
  let redis: RedisServerHandle;
  let app: TestApp;

  beforeAll(async () => {
    redis = await startRedisServer();
    app = await startApp({ REDIS_URL: redis.url, SOCKET_CONTROL_PREFIX: uniquePrefix('health') });
  });
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('ready 200 → Redis stopped: ready 503, /health degraded, handshakes UNAVAILABLE, process up → Redis back: all recovers', async () => {
    expect((await get(app, '/health/ready')).status).toBe(200);
    expect(await summary(app)).toMatchObject({ status: 'healthy', engine: 'redis' });
    await connectUser(app.url, userToken('redis-user', 'sess-before'));
    const errorsBefore = sumOf(await scrapeMetrics(app.url), 'gateway_redis_errors_total');

    await redis.stop();

    const down = await eventually('readiness 503', () => get(app, '/health/ready'), (r) => r.status === 503);
    expect(down.body).toMatchObject({ status: 'error', error: { engine: { status: 'down' } } });
    expect(await summary(app)).toMatchObject({ status: 'degraded', engine: 'redis' });
    const refused = await connectError(app.url, userToken('redis-user', 'sess-outage'));
    expect(refused.message).toBe('UNAVAILABLE');
    expect(refused.data).toEqual({ code: 'UNAVAILABLE', message: expect.any(String) });
    expect((await get(app, '/health/live')).status).toBe(200);
    await eventually('Redis errors counted', async () => sumOf(await scrapeMetrics(app.url), 'gateway_redis_errors_total'), (n) => n > errorsBefore);

    await redis.restart();

    await eventually('readiness 200 again', () => get(app, '/health/ready'), (r) => r.status === 200, { timeoutMs: 10_000 });
    expect(await summary(app)).toMatchObject({ status: 'healthy' });
    await expect(connectUser(app.url, userToken('redis-user', 'sess-after'))).resolves.toBeDefined();
  });
});
