import { Redis } from 'ioredis';
import FormData from 'form-data';
import request from 'supertest';
import type { Env } from '../../src/config/load-config.js';
import { type ClientSocket, collect, connectUser, nextEvent, roundTrip, ack, errorFields, nextMatching } from '../support/client.js';
import { eventually } from '../support/eventually.js';
import { type TestApp, TEST_INTERNAL_SECRET, redisEnv, uniquePrefix, userToken, useApp, fresh, useApps } from '../support/app.js';
import type { ServiceStatusChange, StatusSnapshot } from '../../src/socket/events.js';

// docs/protocol.md §4.7 (service status), §4.9 (rate limits apply to these events), §6.1 POST /internal/status
// and POST /internal/webhooks/uptime-kuma.

type ServiceStatus = ServiceStatusChange;
type Snapshot = StatusSnapshot;

/** `secret: null` sends no Authorization header. */
function post(app: TestApp, path: string, body: unknown, secret: string | null = TEST_INTERNAL_SECRET) {
  const req = request(app.app.getHttpServer()).post(path);
  if (secret !== null) req.set('Authorization', `Bearer ${secret}`);
  return req.send(body as object);
}

const KUMA_PATH = '/internal/webhooks/uptime-kuma';

/** JSON as Kuma's "application/json" webhook posts it (axios), with the Bearer set as an additional header. */
function postJson(app: TestApp, body: unknown): Promise<Response> {
  return fetch(`${app.url}${KUMA_PATH}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TEST_INTERNAL_SECRET}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** Multipart built by the form-data package, field by field, as Kuma's webhook.js does. */
function postForm(app: TestApp, fields: Record<string, string>): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return fetch(`${app.url}${KUMA_PATH}`, {
    method: 'POST',
    headers: { ...form.getHeaders(), Authorization: `Bearer ${TEST_INTERNAL_SECRET}` },
    body: form.getBuffer(),
  });
}

/** Kuma's "form-data" webhook: `formData.append("data", JSON.stringify({ heartbeat, monitor, msg }))`. */
function postKumaForm(app: TestApp, body: unknown): Promise<Response> {
  return postForm(app, { data: JSON.stringify(body) });
}

async function report(app: TestApp, body: { service: string; status: string; message?: string }) {
  const res = await post(app, '/internal/status', body).expect(200);
  return res.body as { ok: true; data: { service: string; status: string; timestamp: string } };
}

function connect(app: TestApp, userId: string, roles?: string[]): Promise<ClientSocket> {
  return connectUser(app.url, userToken(userId, `s-${userId}`, roles ? { roles } : {}));
}

/** Subscribes and returns the `status:current` snapshot the socket got for it. */
async function subscribe(socket: ClientSocket): Promise<Snapshot> {
  const current = nextEvent<Snapshot>(socket, 'status:current');
  const res = await ack(socket, 'subscribe:status');
  expect(res.ok).toBe(true);
  return current;
}

/** Resolves with the `service:status` of `service` (others may arrive first). */
function statusOf(socket: ClientSocket, service: string): Promise<ServiceStatus> {
  return nextMatching<ServiceStatus>(socket, 'service:status', (got) => got.service === service);
}

/** The webhook body Uptime Kuma sends for a heartbeat (its "application/json" webhook). */
function kumaHeartbeat(name: string, status: 0 | 1 | 2 | 3, msg: string) {
  return {
    heartbeat: { monitorID: 7, status, time: '2025-03-04 10:11:12.345', msg, ping: status === 1 ? 42 : null, important: true, duration: 60, timezone: 'UTC', timezoneOffset: '+00:00', localDateTime: '2025-03-04 10:11:12' },
    monitor: { id: 7, name, url: 'https://api.example.test/health', type: 'http', interval: 60, active: true, hostname: null, port: null, maxretries: 0, weight: 2000, keyword: null },
    msg: `[${name}] [${status === 1 ? '✅ Up' : '🔴 Down'}] ${msg}`,
  };
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const ROUTES = ['/internal/status', '/internal/webhooks/uptime-kuma', '/internal/notifications'];

describe.each<[string, () => Env]>([
  ['memory', () => ({})],
  ['redis', () => redisEnv(uniquePrefix('status'))],
])('service status on the %s engine (docs/protocol.md §4.7)', (_engine, engineEnv) => {
  const sut = useApp(() => engineEnv(), { closeClients: 'each' });

  it.each(ROUTES)('%s refuses a missing or wrong Bearer secret with 401', async (route) => {
    const unauthorized = { ok: false, error: expect.objectContaining({ code: 'UNAUTHORIZED' }) };
    const body = route === '/internal/status' ? { service: 'x', status: 'up' } : route.includes('kuma') ? kumaHeartbeat('x', 1, 'OK') : { userId: 'u', notification: { type: 't' } };
    expect((await post(sut, route, body, null).expect(401)).body).toEqual(unauthorized);
    expect((await post(sut, route, body, 'not-the-secret').expect(401)).body).toEqual(unauthorized);
  });

  it('an unauthorised report changes nothing and broadcasts nothing', async () => {
    const service = fresh('svc-unauth');
    const socket = await connect(sut, fresh('watcher'));
    await subscribe(socket);
    const seen = collect(socket, 'service:status');
    await post(sut, '/internal/status', { service, status: 'down' }, null).expect(401);
    await post(sut, '/internal/webhooks/uptime-kuma', kumaHeartbeat(service, 0, 'x'), null).expect(401);
    await roundTrip(socket);
    expect(seen).toEqual([]);
    expect((await subscribe(socket)).services[service]).toBeUndefined();
  });

  it('POST /internal/status answers { service, status, timestamp } and subscribers receive service:status', async () => {
    const service = fresh('api');
    const [s1, s2] = [await connect(sut, fresh('w1')), await connect(sut, fresh('w2'))];
    await subscribe(s1);
    await subscribe(s2);
    const got = [statusOf(s1, service), statusOf(s2, service)];
    const res = await report(sut, { service, status: 'degraded', message: 'slow responses' });
    expect(res).toEqual({ ok: true, data: { service, status: 'degraded', timestamp: expect.stringMatching(ISO) } });
    const expected = { service, status: 'degraded', message: 'slow responses', timestamp: res.data.timestamp };
    expect(await Promise.all(got)).toEqual([expected, expected]);

    // Without a message the event has no message field.
    const next = statusOf(s1, service);
    const second = await report(sut, { service, status: 'up' });
    expect(await next).toEqual({ service, status: 'up', timestamp: second.data.timestamp });
  });

  it('subscribe:status sends status:current with the last report per service', async () => {
    const [api, db] = [fresh('api'), fresh('db')];
    await report(sut, { service: api, status: 'down', message: 'timeout' });
    const apiUp = await report(sut, { service: api, status: 'up' });
    const dbDown = await report(sut, { service: db, status: 'maintenance', message: 'upgrade' });

    const socket = await connect(sut, fresh('late'));
    const current = nextEvent<Snapshot>(socket, 'status:current');
    const res = await ack(socket, 'subscribe:status');
    expect(res.ok).toBe(true);
    const { services } = await current;
    expect(services[api]).toEqual({ status: 'up', updatedAt: apiUp.data.timestamp });
    expect(services[db]).toEqual({ status: 'maintenance', message: 'upgrade', updatedAt: dbDown.data.timestamp });
  });

  it('sockets that never subscribed receive no service:status', async () => {
    const service = fresh('quiet');
    const subscriber = await connect(sut, fresh('sub'));
    const bystander = await connect(sut, fresh('bystander'));
    await subscribe(subscriber);
    const seen = [collect(bystander, 'service:status'), collect(bystander, 'status:current')];
    const got = statusOf(subscriber, service);
    await report(sut, { service, status: 'down' });
    await got;
    await roundTrip(bystander);
    expect(seen).toEqual([[], []]);
  });

  it('unsubscribe:status stops service:status; subscribing again resumes it', async () => {
    const service = fresh('leave');
    const socket = await connect(sut, fresh('leaver'));
    const witness = await connect(sut, fresh('witness'));
    await subscribe(socket);
    await subscribe(witness);
    const res = await ack(socket, 'unsubscribe:status');
    expect(res.ok).toBe(true);

    const seen = collect<ServiceStatus>(socket, 'service:status');
    const witnessed = statusOf(witness, service);
    await report(sut, { service, status: 'down' });
    await witnessed;
    await roundTrip(socket);
    expect(seen).toEqual([]);

    await subscribe(socket);
    const back = statusOf(socket, service);
    await report(sut, { service, status: 'up' });
    expect((await back).status).toBe('up');
    expect(seen.map((s) => s.status)).toEqual(['up']);
  });

  it.each<[string, unknown, string]>([
    ['status with symbols', { service: 'svc', status: 'UP!!' }, 'status'],
    ['status a number', { service: 'svc', status: 123 }, 'status'],
    ['status missing', { service: 'svc' }, 'status'],
    ['service missing', { status: 'up' }, 'service'],
    ['service empty', { service: '', status: 'up' }, 'service'],
    ['message a number', { service: 'svc', status: 'up', message: 5 }, 'message'],
  ])('POST /internal/status with %s → 400 VALIDATION_FAILED', async (_name, body, field) => {
    const res = await post(sut, '/internal/status', body).expect(400);
    expect(res.body).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(errorFields(res.body)).toContain(field);
  });

  it('a refused report neither broadcasts nor enters the snapshot', async () => {
    const service = fresh('refused');
    const socket = await connect(sut, fresh('w'));
    await subscribe(socket);
    const seen = collect<ServiceStatus>(socket, 'service:status');
    await post(sut, '/internal/status', { service, status: 'UP!!' }).expect(400);
    await post(sut, '/internal/status', { service, status: 123 }).expect(400);
    const barrier = statusOf(socket, `${service}-barrier`);
    await report(sut, { service: `${service}-barrier`, status: 'up' });
    await barrier;
    expect(seen.map((s) => s.service)).toEqual([`${service}-barrier`]);
    expect((await subscribe(socket)).services[service]).toBeUndefined();
  });

  it.each<[0 | 1 | 2 | 3, string]>([
    [1, 'up'],
    [0, 'down'],
    [2, 'pending'],
    [3, 'maintenance'],
  ])('Uptime Kuma heartbeat status %i becomes a %s report for the monitor name, message = heartbeat.msg', async (code, status) => {
    const name = fresh('Kuma Monitor');
    const socket = await connect(sut, fresh('kuma-watch'));
    await subscribe(socket);
    const got = statusOf(socket, name);
    const msg = `heartbeat message ${code}`;
    const res = await post(sut, '/internal/webhooks/uptime-kuma', kumaHeartbeat(name, code, msg)).expect(200);
    expect(res.body).toEqual({ ok: true, data: { service: name, status, timestamp: expect.stringMatching(ISO) } });
    expect(await got).toEqual({ service: name, status, message: msg, timestamp: res.body.data.timestamp });
    expect((await subscribe(socket)).services[name]).toEqual({ status, message: msg, updatedAt: res.body.data.timestamp });
  });

  it('Uptime Kuma’s form-data webhook (the JSON in a `data` field, as Kuma posts it) becomes a report', async () => {
    const name = fresh('Kuma Form');
    const socket = await connect(sut, fresh('kuma-form'));
    await subscribe(socket);
    const got = statusOf(socket, name);
    const res = await postKumaForm(sut, kumaHeartbeat(name, 0, 'connect ECONNREFUSED'));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; data: { timestamp: string } };
    expect(body).toEqual({ ok: true, data: { service: name, status: 'down', timestamp: expect.stringMatching(ISO) } });
    expect(await got).toEqual({ service: name, status: 'down', message: 'connect ECONNREFUSED', timestamp: body.data.timestamp });
  });

  it.each<[string, () => Promise<Response>]>([
    ['the Test button (JSON)', () => postJson(sut, { heartbeat: null, monitor: null, msg: 'Uptime Kuma Webhook Testing' })],
    ['the Test button (form-data)', () => postKumaForm(sut, { heartbeat: null, monitor: null, msg: 'Uptime Kuma Webhook Testing' })],
    ['a monitor-only notice (certificate expiry)', () => postJson(sut, { heartbeat: null, monitor: kumaHeartbeat('kuma-cert', 1, 'x').monitor, msg: '[kuma-cert] Certificate will expire in 7 days' })],
    ['a monitor-only notice (form-data)', () => postKumaForm(sut, { heartbeat: null, monitor: kumaHeartbeat('kuma-cert', 1, 'x').monitor, msg: 'Certificate expiry' })],
    ['a monitor-less heartbeat', () => postJson(sut, { ...kumaHeartbeat('kuma-cert', 0, 'x'), monitor: null })],
  ])('%s answers 200 and changes nothing', async (_label, send) => {
    const socket = await connect(sut, fresh('kuma-noop'));
    await subscribe(socket);
    const seen = collect<ServiceStatus>(socket, 'service:status');
    const res = await send();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, data: { ignored: expect.stringMatching(/^(test|notice)$/) } });
    const barrier = statusOf(socket, 'kuma-barrier');
    await report(sut, { service: 'kuma-barrier', status: 'up' });
    await barrier;
    expect(seen.map((s) => s.service)).toEqual(['kuma-barrier']);
    expect((await subscribe(socket)).services['kuma-cert']).toBeUndefined();
  });

  it('malformed heartbeats and bodies that are no Kuma webhook → 400 VALIDATION_FAILED, nothing broadcast', async () => {
    const socket = await connect(sut, fresh('kuma-test'));
    await subscribe(socket);
    const seen = collect<ServiceStatus>(socket, 'service:status');
    const bad = [
      { ...kumaHeartbeat('kuma-bad', 1, 'x'), heartbeat: { ...kumaHeartbeat('kuma-bad', 1, 'x').heartbeat, status: 9 } },
      { ...kumaHeartbeat('kuma-bad', 1, 'x'), heartbeat: { ...kumaHeartbeat('kuma-bad', 1, 'x').heartbeat, status: '1' } },
      { ...kumaHeartbeat('', 1, 'x') },
      {},
      [kumaHeartbeat('kuma-bad', 1, 'x')],
    ];
    for (const body of bad) {
      const res = await post(sut, '/internal/webhooks/uptime-kuma', body).expect(400);
      expect(res.body).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
    const forms: Array<Record<string, string>> = [{ data: '{not json' }, { other: JSON.stringify(kumaHeartbeat('kuma-bad', 1, 'x')) }];
    for (const form of forms) {
      const res = await postForm(sut, form);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
    const barrier = statusOf(socket, 'kuma-barrier');
    await report(sut, { service: 'kuma-barrier', status: 'up' });
    await barrier;
    expect(seen.map((s) => s.service)).toEqual(['kuma-barrier']);
    expect((await subscribe(socket)).services['kuma-bad']).toBeUndefined();
  });

  it('admin:refresh-status from a non-admin: FORBIDDEN "Unauthorized" on the ack, or as error without one; nothing broadcast', async () => {
    const watcher = await connect(sut, fresh('watch'));
    await subscribe(watcher);
    const refreshing = collect(watcher, 'status:refreshing');
    const user = await connect(sut, fresh('plain'), ['user']);

    expect(await ack(user, 'admin:refresh-status')).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: 'Unauthorized' } });
    const error = nextEvent(user, 'error');
    user.emit('admin:refresh-status');
    expect(await error).toEqual({ code: 'FORBIDDEN', message: 'Unauthorized' });

    // A token without any roles claim is not an admin either.
    const noRoles = await connect(sut, fresh('noroles'));
    expect(await ack(noRoles, 'admin:refresh-status')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    await roundTrip(watcher);
    expect(refreshing).toEqual([]);
  });

  it('admin:refresh-status from an admin acks { requestedBy, timestamp } and subscribers receive status:refreshing', async () => {
    const adminId = fresh('admin');
    const watcher = await connect(sut, fresh('watch'));
    const bystander = await connect(sut, fresh('by'));
    await subscribe(watcher);
    const bystanderSeen = collect(bystander, 'status:refreshing');
    const admin = await connect(sut, adminId, ['user', 'admin']);
    const refreshing = nextEvent(watcher, 'status:refreshing');

    const res = await ack<{ requestedBy: string; timestamp: string }>(admin, 'admin:refresh-status');
    expect(res).toEqual({ ok: true, data: { requestedBy: adminId, timestamp: expect.stringMatching(ISO) } });
    expect(await refreshing).toEqual(res.data);
    await roundTrip(bystander);
    expect(bystanderSeen).toEqual([]);
  });
});

describe('service status across two nodes (redis engine)', () => {
  const prefix = uniquePrefix('status-2n');
  const [a, b] = useApps(2, () => redisEnv(prefix), { closeClients: 'each' });
  let listener: Redis;

  beforeAll(() => {
    listener = new Redis(process.env.TEST_REDIS_URL!);
  });
  afterAll(() => listener?.disconnect());

  it('a report posted to B reaches a subscriber on A exactly once', async () => {
    const service = fresh('x-api');
    const onA = await connect(a, fresh('wa'));
    const onB = await connect(b, fresh('wb'));
    await subscribe(onA);
    await subscribe(onB);
    const seenA = collect<ServiceStatus>(onA, 'service:status');
    const got = [statusOf(onA, service), statusOf(onB, service)];
    const res = await report(b, { service, status: 'down', message: 'from B' });
    const expected = { service, status: 'down', message: 'from B', timestamp: res.data.timestamp };
    expect(await Promise.all(got)).toEqual([expected, expected]);

    const barrier = statusOf(onA, `${service}-barrier`);
    await report(a, { service: `${service}-barrier`, status: 'up' });
    await barrier;
    expect(seenA.map((s) => s.service)).toEqual([service, `${service}-barrier`]);
  });

  it('status:current on A shows a report posted to B; the Uptime Kuma webhook on B too', async () => {
    const [service, monitor] = [fresh('x-snap'), fresh('x-kuma')];
    const posted = await report(b, { service, status: 'maintenance', message: 'window' });
    const kuma = await post(b, '/internal/webhooks/uptime-kuma', kumaHeartbeat(monitor, 0, 'ECONNREFUSED')).expect(200);

    const onA = await connect(a, fresh('wa'));
    const { services } = await subscribe(onA);
    expect(services[service]).toEqual({ status: 'maintenance', message: 'window', updatedAt: posted.data.timestamp });
    expect(services[monitor]).toEqual({ status: 'down', message: 'ECONNREFUSED', updatedAt: kuma.body.data.timestamp });
  });

  it('an admin refresh on B reaches subscribers on A and is published on {prefix}:status-refresh', async () => {
    const channel = `${prefix}:status-refresh`;
    const published: unknown[] = [];
    const firstPublished = new Promise<unknown>((resolve) => {
      listener.on('message', (ch: string, text: string) => {
        if (ch !== channel) return;
        const parsed: unknown = JSON.parse(text);
        published.push(parsed);
        resolve(parsed);
      });
    });
    await listener.subscribe(channel);

    const adminId = fresh('x-admin');
    const onA = await connect(a, fresh('wa'));
    await subscribe(onA);
    const refreshing = nextEvent(onA, 'status:refreshing');
    const admin = await connect(b, adminId, ['admin']);
    const res = await ack<{ requestedBy: string; timestamp: string }>(admin, 'admin:refresh-status');
    expect(res).toEqual({ ok: true, data: { requestedBy: adminId, timestamp: expect.stringMatching(ISO) } });
    expect(await refreshing).toEqual(res.data);
    expect(await firstPublished).toEqual(res.data);

    // A refused (non-admin) request publishes nothing: barrier is a second admin request.
    const user = await connect(b, fresh('x-user'));
    expect(await ack(user, 'admin:refresh-status')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const second = await ack<{ requestedBy: string; timestamp: string }>(admin, 'admin:refresh-status');
    expect(second.ok).toBe(true);
    await eventually('the second refresh request to be published', async () => published.length, (n) => n >= 2);
    expect(published).toEqual([res.data, second.data]);
  });
});

describe('rate limits apply to status events (docs/protocol.md §4.9)', () => {
  const sut = useApp(() => ({ ...redisEnv(uniquePrefix('status-rl')), RATE_LIMITS: '{"admin:refresh-status":[1,60000],"subscribe:status":[2,60000]}' }));

  it('drops admin:refresh-status and subscribe:status over their limits with RATE_LIMITED', async () => {
    const admin = await connect(sut, fresh('rl-admin'), ['admin']);
    const watcher = await connect(sut, fresh('rl-watch'));
    await subscribe(watcher);
    const refreshing = collect(watcher, 'status:refreshing');

    const first = nextEvent(watcher, 'status:refreshing');
    expect((await ack(admin, 'admin:refresh-status')).ok).toBe(true);
    await first;
    const refused = await ack(admin, 'admin:refresh-status');
    expect(refused).toEqual({ ok: false, error: { code: 'RATE_LIMITED', message: expect.any(String), details: { retryAfterMs: expect.any(Number) } } });

    // subscribe:status: two allowed, the third is dropped and sends no status:current.
    const currents = collect(admin, 'status:current');
    await subscribe(admin);
    await subscribe(admin);
    expect(await ack(admin, 'subscribe:status')).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    await roundTrip(admin);
    expect(currents).toHaveLength(2);

    await roundTrip(watcher);
    expect(refreshing).toHaveLength(1);
  });
});
