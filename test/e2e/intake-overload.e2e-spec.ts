import request from 'supertest';
import { closeAllClients, collect, connectUser, nextEvent } from '../support/client.js';
import { type TestApp, TEST_INTERNAL_SECRET, startApp, uniquePrefix, userToken } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { scrapeMetrics, sumOf } from '../support/metrics.js';
import { type RedisServerHandle, startRedisServer } from '../support/redis-server.js';

// docs/protocol.md §6.3: under overload the intake answers 503 + Retry-After, never drops a request, and
// everything it accepted is delivered. Overload is made deterministic: INTAKE_MAX_IN_FLIGHT=1 and a
// private redis-server stopped with SIGSTOP, so an admitted emit stays in flight until SIGCONT.

function post(app: TestApp, path: string, body: unknown) {
  return request(app.app.getHttpServer()).post(path).set('Authorization', `Bearer ${TEST_INTERNAL_SECRET}`).send(body as object);
}

const inFlight = async (app: TestApp) => sumOf(await scrapeMetrics(app.url), 'gateway_intake_in_flight');

describe('intake overload (INTAKE_MAX_IN_FLIGHT=1, Redis held with SIGSTOP)', () => {
  let redis: RedisServerHandle;
  let sut: TestApp;
  let stopped = false;

  beforeAll(async () => {
    redis = await startRedisServer();
    sut = await startApp({ REDIS_URL: redis.url, SOCKET_CONTROL_PREFIX: uniquePrefix('overload'), INTAKE_MAX_IN_FLIGHT: '1' });
  });
  afterEach(() => {
    if (stopped) process.kill(redis.pid, 'SIGCONT');
    stopped = false;
    closeAllClients();
  });
  afterAll(async () => {
    await sut?.close();
    await redis?.stop();
  });

  const hold = () => {
    process.kill(redis.pid, 'SIGSTOP');
    stopped = true;
  };
  const release = () => {
    process.kill(redis.pid, 'SIGCONT');
    stopped = false;
  };

  it('answers 503 + Retry-After while an emit is in flight, then delivers the admitted one exactly once', async () => {
    const u = `overload-${process.pid}`;
    const socket = await connectUser(sut.url, userToken(u));
    const seen = collect<string>(socket, 'message');

    hold();
    const admitted = post(sut, '/internal/emit', { userId: u, event: 'message', payload: 'admitted' }).then((r) => r);
    await eventually('the first emit in flight', () => inFlight(sut), (n) => n === 1);

    const refused = await post(sut, '/internal/emit', { userId: u, event: 'message', payload: 'refused' });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    const refusedBatch = await post(sut, '/internal/emit/batch', { items: [{ userId: u, event: 'message', payload: 'refused-batch' }] });
    expect(refusedBatch.status).toBe(503);
    expect(refusedBatch.headers['retry-after']).toBe('1');
    const rejections = sumOf(await scrapeMetrics(sut.url), 'gateway_intake_rejections_total', { reason: 'in_flight' });
    expect(rejections).toBe(2);

    const arrived = nextEvent(socket, 'message');
    release();
    const first = await admitted;
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ ok: true, data: { recipients: { total: 1, sent: 1, failed: 0 } } });
    await expect(arrived).resolves.toBe('admitted');
    expect(await inFlight(sut)).toBe(0);

    // Once the load is gone the same request is accepted: the client's retry goes through.
    const retried = nextEvent(socket, 'message');
    await post(sut, '/internal/emit', { userId: u, event: 'message', payload: 'retried' }).expect(200);
    await expect(retried).resolves.toBe('retried');
    expect(seen).toEqual(['admitted', 'retried']);
  });

  it('admits a batch larger than the cap when nothing else is in flight', async () => {
    const u = `overload-batch-${process.pid}`;
    const socket = await connectUser(sut.url, userToken(u));
    const seen = collect<number>(socket, 'message');
    const res = await post(sut, '/internal/emit/batch', { items: [1, 2, 3].map((n) => ({ userId: u, event: 'message', payload: n })) }).expect(200);
    expect(res.body.data.results).toHaveLength(3);
    const last = nextEvent(socket, 'message');
    await post(sut, '/internal/emit', { userId: u, event: 'message', payload: 4 }).expect(200);
    await last;
    await eventually('all four', async () => seen.length, (n) => n === 4);
    expect([...seen].sort()).toEqual([1, 2, 3, 4]);
  });
});
