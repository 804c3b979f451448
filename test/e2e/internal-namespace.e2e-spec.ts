import request from 'supertest';
import { type ClientSocket, type ConnectErrorLike, closeAllClients, collect, connectError, connectUser, createClient, disconnected, firstOf, nextEvent, roundTrip, ack, type AckBody, errorFields } from '../support/client.js';
import { type TestApp, TEST_INTERNAL_SECRET, startApp, uniquePrefix, userToken, fresh, redisEnv } from '../support/app.js';
import type { Env } from '../../src/config/load-config.js';
import { BILLING_KEY, INTERNAL_SERVICES, OFF_KEY } from '../support/services.js';
import type { ServiceSessionExpired, ServiceSessionInfo } from '../../src/socket/events.js';

// docs/protocol.md §6.2 (the `/internal` namespace), the services routes of §6.1 and the user side of §4.1.

const SERVICES_ENV: Env = { INTERNAL_SERVICES };

type SessionInfo = ServiceSessionInfo;
type Expired = ServiceSessionExpired;

/** A service name that matches the registration pattern. */
function freshService(label: string): string {
  return fresh(label).slice(0, 60);
}

function keyFor(name: string): string {
  return `key-of-${name}-0123456789`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function http(app: TestApp) {
  return request(app.app.getHttpServer());
}

function authed<T extends { set(field: string, value: string): T }>(req: T): T {
  return req.set('Authorization', `Bearer ${TEST_INTERNAL_SECRET}`);
}

function expectError(res: AckBody, code: string): void {
  expect(res).toEqual({ ok: false, error: expect.objectContaining({ code, message: expect.any(String) }) });
}

/** A `/internal` socket authenticated in the handshake; resolves with the `authenticated` payload. */
async function connectService(url: string, serviceName: string, serviceKey: string): Promise<{ socket: ClientSocket; info: SessionInfo }> {
  const socket = createClient(`${url}/internal`, { auth: { serviceName, serviceKey } });
  const { event, payload } = await firstOf<SessionInfo & ConnectErrorLike>(socket, ['authenticated', 'connect_error']);
  if (event === 'connect_error') {
    socket.close();
    throw new Error(`connect_error ${payload.message} ${JSON.stringify(payload.data)}`);
  }
  return { socket, info: payload };
}

/** A `/internal` socket with no credentials, once connected. */
async function connectAnonymous(url: string): Promise<ClientSocket> {
  const socket = createClient(`${url}/internal`);
  const { event, payload } = await firstOf<ConnectErrorLike>(socket, ['connect', 'connect_error']);
  if (event === 'connect_error') throw new Error(`connect_error ${payload.message}`);
  return socket;
}

async function expectServiceRefused(url: string, auth: Record<string, unknown>): Promise<void> {
  const err = await connectError(`${url}/internal`, undefined, { auth });
  expect(err.message).toBe('AUTH_INVALID');
  expect(err.data).toEqual({ code: 'AUTH_INVALID', message: expect.any(String) });
}

function expectSessionInfo(info: SessionInfo, name: string, type: string, lifetimeSec: number): void {
  expect(info).toEqual({ serviceName: name, serviceType: type, sessionId: expect.stringMatching(UUID), expiresAt: expect.any(String) });
  const expiresIn = Date.parse(info.expiresAt) - Date.now();
  expect(expiresIn).toBeGreaterThan((lifetimeSec - 10) * 1000);
  expect(expiresIn).toBeLessThanOrEqual(lifetimeSec * 1000);
}

async function closeApps(...apps: Array<TestApp | undefined>): Promise<void> {
  closeAllClients();
  await Promise.all(apps.map((a) => a?.close()));
}

describe('/internal authentication', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startApp(SERVICES_ENV);
  });
  afterAll(() => closeApps(sut));

  it('accepts handshake credentials and emits authenticated { serviceName, serviceType, sessionId, expiresAt }', async () => {
    const { socket, info } = await connectService(sut.url, 'billing', BILLING_KEY);
    expect(socket.connected).toBe(true);
    expectSessionInfo(info, 'billing', 'billing', 3600);
    const second = await connectService(sut.url, 'billing', BILLING_KEY);
    expect(second.info.sessionId).not.toBe(info.sessionId);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a wrong key', { serviceName: 'billing', serviceKey: `${BILLING_KEY}x` }],
    ['an unknown service', { serviceName: 'nobody', serviceKey: BILLING_KEY }],
    ['a disabled service with its right key', { serviceName: 'off', serviceKey: OFF_KEY }],
    ['a name without a key', { serviceName: 'billing' }],
    ['a non-string key', { serviceName: 'billing', serviceKey: 42 }],
  ])('refuses %s in the handshake with connect_error AUTH_INVALID', async (_name, auth) => {
    await expectServiceRefused(sut.url, auth);
  });

  it('refuses a user JWT on /internal with AUTH_INVALID', async () => {
    const err = await connectError(`${sut.url}/internal`, userToken(fresh('jwt-user')));
    expect(err.message).toBe('AUTH_INVALID');
    expect(err.data).toEqual({ code: 'AUTH_INVALID', message: expect.any(String) });
  });

  it('refuses a service key used as a user token on / with AUTH_INVALID', async () => {
    const err = await connectError(sut.url, BILLING_KEY);
    expect(err.message).toBe('AUTH_INVALID');
    expect(err.data).toEqual({ code: 'AUTH_INVALID', message: expect.any(String) });
  });

  it('without credentials every action acks AUTH_REQUIRED until authenticate_service succeeds; a second one is FORBIDDEN', async () => {
    const u = fresh('gate');
    const user = await connectUser(sut.url, userToken(u));
    const received = collect(user, 'message');
    const socket = await connectAnonymous(sut.url);

    const valid: Array<[string, unknown]> = [
      ['send_message', { recipientIds: [u], message: 'sneaky' }],
      ['emit', { userId: u, event: 'message', payload: 'sneaky' }],
      ['force_logout', { userId: u, sessionId: 'other' }],
      ['kick', { userId: u }],
      ['get_online_users', { userIds: [u] }],
      ['notify', { userId: u, notification: { type: 't' } }],
      ['report_status', { service: 'billing', status: 'up' }],
    ];
    for (const [event, payload] of valid) {
      const res = await ack(socket, event, payload);
      expect({ event, res }).toEqual({ event, res: { ok: false, error: expect.objectContaining({ code: 'AUTH_REQUIRED' }) } });
    }

    // Not even validation answers before authentication.
    for (const event of ['send_message', 'emit', 'force_logout', 'kick', 'get_online_users']) {
      const res = await ack(socket, event, {});
      expect({ event, res }).toEqual({ event, res: { ok: false, error: expect.objectContaining({ code: 'AUTH_REQUIRED' }) } });
    }

    const refused = await ack(socket, 'authenticate_service', { serviceName: 'billing', serviceKey: 'wrong-key-0123456789' });
    expectError(refused, 'AUTH_INVALID');
    expectError(await ack(socket, 'authenticate_service', { serviceName: 'off', serviceKey: OFF_KEY }), 'AUTH_INVALID');
    const stillGated = await ack(socket, 'get_online_users', { userIds: [u] });
    expectError(stillGated, 'AUTH_REQUIRED');

    const accepted = await ack(socket, 'authenticate_service', { serviceName: 'billing', serviceKey: BILLING_KEY });
    expect(accepted.ok).toBe(true);
    expectSessionInfo((accepted as { data: SessionInfo }).data, 'billing', 'billing', 3600);

    const again = await ack(socket, 'authenticate_service', { serviceName: 'billing', serviceKey: BILLING_KEY });
    expectError(again, 'FORBIDDEN');

    // The gate is lifted: the same action now works, and none of the refused ones did anything.
    const online = await ack(socket, 'get_online_users', { userIds: [u] });
    expect(online).toMatchObject({ ok: true, data: { users: [{ userId: u, status: 'online', devices: 1 }] } });
    // `/`'s spellings (a missing payload standing for {}) do not apply here: userIds is required.
    expectError(await ack(socket, 'get_online_users', null), 'VALIDATION_FAILED');
    await roundTrip(user);
    expect(received).toEqual([]);
    expect(user.connected).toBe(true);
  });

  it('validates the authenticate_service payload', async () => {
    const socket = await connectAnonymous(sut.url);
    for (const [payload, field] of [
      [{ serviceName: 'billing' }, 'serviceKey'],
      [{ serviceName: 7, serviceKey: BILLING_KEY }, 'serviceName'],
      [{ serviceName: '', serviceKey: BILLING_KEY }, 'serviceName'],
    ] as const) {
      const res = await ack(socket, 'authenticate_service', payload);
      expectError(res, 'VALIDATION_FAILED');
      expect(errorFields(res)).toContain(field);
    }
    expectError(await ack(socket, 'authenticate_service', 'billing'), 'VALIDATION_FAILED');
  });

  it('register_service with SERVICE_REGISTRATION off → FORBIDDEN', async () => {
    const socket = await connectAnonymous(sut.url);
    const res = await ack(socket, 'register_service', { serviceName: freshService('reg-off'), serviceKey: keyFor('x'), serviceType: 'crm' });
    expectError(res, 'FORBIDDEN');
  });

  it(
    'a socket that does not authenticate within 5 s gets error AUTH_REQUIRED and is disconnected; an authenticated one stays',
    async () => {
      const idle = await connectAnonymous(sut.url);
      const errors = collect<{ code: string; message: string }>(idle, 'error');
      const gone = disconnected(idle, 7000);
      const late = await connectAnonymous(sut.url);
      const started = Date.now();
      const res = await ack(late, 'authenticate_service', { serviceName: 'billing', serviceKey: BILLING_KEY });
      expect(res.ok).toBe(true);

      await expect(gone).resolves.toBe('io server disconnect');
      expect(Date.now() - started).toBeGreaterThan(4000);
      expect(errors).toEqual([{ code: 'AUTH_REQUIRED', message: expect.any(String) }]);

      // The one that authenticated in time is past the deadline and still served.
      const online = await ack(late, 'get_online_users', { userIds: ['nobody'] });
      expect(online.ok).toBe(true);
      expect(late.connected).toBe(true);
    },
    8000,
  );
});

describe('/internal register_service with approval (memory engine)', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startApp({ ...SERVICES_ENV, SERVICE_REGISTRATION: 'true', ALLOWED_SERVICE_TYPES: 'crm,analytics' });
  });
  afterAll(() => closeApps(sut));

  it('refuses a type outside ALLOWED_SERVICE_TYPES with FORBIDDEN', async () => {
    const socket = await connectAnonymous(sut.url);
    const name = freshService('bad-type');
    expectError(await ack(socket, 'register_service', { serviceName: name, serviceKey: keyFor(name), serviceType: 'billing' }), 'FORBIDDEN');
    const list = await authed(http(sut).get('/internal/services')).expect(200);
    expect(list.body.data.services.map((s: { name: string }) => s.name)).not.toContain(name);
  });

  it('refuses a configured name with VALIDATION_FAILED on serviceName', async () => {
    const socket = await connectAnonymous(sut.url);
    for (const taken of ['billing', 'off']) {
      const res = await ack(socket, 'register_service', { serviceName: taken, serviceKey: keyFor(taken), serviceType: 'crm' });
      expectError(res, 'VALIDATION_FAILED');
      expect(errorFields(res)).toEqual(['serviceName']);
    }
    // The configured service still authenticates with its own key only.
    await connectService(sut.url, 'billing', BILLING_KEY);
    await expectServiceRefused(sut.url, { serviceName: 'billing', serviceKey: keyFor('billing') });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a key shorter than 16', { serviceKey: 'short-key-15chr' }, 'serviceKey'],
    ['a name with a space', { serviceName: 'bad name' }, 'serviceName'],
    ['a name of 65 characters', { serviceName: 'n'.repeat(65) }, 'serviceName'],
    ['no serviceType', { serviceType: undefined }, 'serviceType'],
    ['metadata as an array', { metadata: [1] }, 'metadata'],
    ['a numeric description', { description: 5 }, 'description'],
  ])('refuses %s with VALIDATION_FAILED', async (_name, override, field) => {
    const socket = await connectAnonymous(sut.url);
    const name = freshService('invalid');
    const res = await ack(socket, 'register_service', { serviceName: name, serviceKey: keyFor(name), serviceType: 'crm', ...override });
    expectError(res, 'VALIDATION_FAILED');
    expect(errorFields(res)).toContain(field);
  });

  it('a registered service stays pending (AUTH_INVALID) until approved over HTTP, then authenticates', async () => {
    const name = freshService('pending');
    const key = keyFor(name);
    const socket = await connectAnonymous(sut.url);
    const res = await ack(socket, 'register_service', {
      serviceName: name,
      serviceKey: key,
      serviceType: 'analytics',
      description: 'Counts things',
      metadata: { owner: 'data' },
    });
    expect(res).toEqual({ ok: true, data: { serviceName: name, status: 'pending' } });

    const again = await ack(socket, 'register_service', { serviceName: name, serviceKey: keyFor('other'), serviceType: 'crm' });
    expectError(again, 'VALIDATION_FAILED');
    expect(errorFields(again)).toEqual(['serviceName']);

    await expectServiceRefused(sut.url, { serviceName: name, serviceKey: key });
    expectError(await ack(socket, 'authenticate_service', { serviceName: name, serviceKey: key }), 'AUTH_INVALID');

    const listed = await authed(http(sut).get('/internal/services')).expect(200);
    expect(listed.body.data.services).toContainEqual({
      name,
      type: 'analytics',
      description: 'Counts things',
      metadata: { owner: 'data' },
      status: 'pending',
      source: 'registered',
      createdAt: expect.any(String),
      // A pending registration is dropped unless approved within 24 h.
      expiresAt: expect.any(String),
      registrant: { address: expect.any(String), keyFingerprint: expect.stringMatching(/^sha256:[0-9a-f]{16}$/) },
    });

    const approved = await authed(http(sut).post(`/internal/services/${name}/approve`)).expect(200);
    expect(approved.body).toMatchObject({ ok: true, data: { service: { name, status: 'active', source: 'registered' } } });

    const { info } = await connectService(sut.url, name, key);
    expectSessionInfo(info, name, 'analytics', 3600);
    const viaEvent = await ack(socket, 'authenticate_service', { serviceName: name, serviceKey: key });
    expect(viaEvent).toMatchObject({ ok: true, data: { serviceName: name, serviceType: 'analytics' } });
    await expectServiceRefused(sut.url, { serviceName: name, serviceKey: keyFor('other') });
  });

  it('GET /internal/services lists configured and registered services and never a key or its hash', async () => {
    const name = freshService('listed');
    const socket = await connectAnonymous(sut.url);
    expect(await ack(socket, 'register_service', { serviceName: name, serviceKey: keyFor(name), serviceType: 'crm' })).toMatchObject({ ok: true });

    await authed(http(sut).get('/internal/services')).expect(200);
    await http(sut).get('/internal/services').expect(401);
    const res = await authed(http(sut).get('/internal/services')).expect(200);
    expect(res.body.ok).toBe(true);
    const services = res.body.data.services as Array<Record<string, unknown>>;
    expect(services).toContainEqual({
      name: 'billing',
      type: 'billing',
      description: 'Invoices',
      metadata: { team: 'payments' },
      status: 'active',
      source: 'config',
    });
    expect(services).toContainEqual(expect.objectContaining({ name: 'off', type: 'x', status: 'disabled', source: 'config' }));
    expect(services).toContainEqual(expect.objectContaining({ name, type: 'crm', status: 'pending', source: 'registered' }));
    const json = JSON.stringify(res.body);
    // A registrant's keyFingerprint (a 64-bit SHA-256 prefix) is the only key-derived value shown.
    expect(json.replace(/"keyFingerprint":"sha256:[0-9a-f]{16}"/g, '')).not.toMatch(/key/i);
    expect(json).not.toMatch(/scrypt/i);
    for (const secret of [BILLING_KEY, OFF_KEY, keyFor(name)]) expect(json).not.toContain(secret);
  });

  it('approve and DELETE of an unknown name → 404 NOT_FOUND; of a configured one → 403 FORBIDDEN', async () => {
    const unknown = freshService('ghost');
    for (const req of [http(sut).post(`/internal/services/${unknown}/approve`), http(sut).delete(`/internal/services/${unknown}`)]) {
      const res = await authed(req).expect(404);
      expect(res.body).toEqual({ ok: false, error: expect.objectContaining({ code: 'NOT_FOUND' }) });
    }
    const del = await authed(http(sut).delete('/internal/services/billing')).expect(403);
    expect(del.body).toEqual({ ok: false, error: expect.objectContaining({ code: 'FORBIDDEN' }) });
    await connectService(sut.url, 'billing', BILLING_KEY);
    await http(sut).delete('/internal/services/billing').expect(401);
  });
});

describe('/internal register_service without approval, MAX_SERVICES=3 (2 configured)', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startApp({ ...SERVICES_ENV, SERVICE_REGISTRATION: 'true', REQUIRE_SERVICE_APPROVAL: 'false', MAX_SERVICES: '3' });
  });
  afterAll(() => closeApps(sut));

  it('registers active at once; configured services count towards the limit; a taken registered name is VALIDATION_FAILED', async () => {
    const socket = await connectAnonymous(sut.url);
    const first = freshService('first');
    const res = await ack(socket, 'register_service', { serviceName: first, serviceKey: keyFor(first), serviceType: 'anything' });
    expect(res).toEqual({ ok: true, data: { serviceName: first, status: 'active' } });

    const taken = await ack(socket, 'register_service', { serviceName: first, serviceKey: keyFor('again'), serviceType: 'anything' });
    expectError(taken, 'VALIDATION_FAILED');
    expect(errorFields(taken)).toEqual(['serviceName']);

    const second = freshService('second');
    const full = await ack(socket, 'register_service', { serviceName: second, serviceKey: keyFor(second), serviceType: 'anything' });
    expectError(full, 'FORBIDDEN');

    // Active at once, on the registering socket and in a new handshake.
    const viaEvent = await ack(socket, 'authenticate_service', { serviceName: first, serviceKey: keyFor(first) });
    expect(viaEvent).toMatchObject({ ok: true, data: { serviceName: first, serviceType: 'anything' } });
    await connectService(sut.url, first, keyFor(first));
    await expectServiceRefused(sut.url, { serviceName: second, serviceKey: keyFor(second) });

    const list = await authed(http(sut).get('/internal/services')).expect(200);
    expect(list.body.data.services.map((s: { name: string }) => s.name).sort()).toEqual(['billing', first, 'off'].sort());
    expect(list.body.data.services).toContainEqual(expect.objectContaining({ name: first, status: 'active', source: 'registered' }));
  });
});

describe('/internal service sessions: absolute expiry (SERVICE_SESSION_EXPIRY=2)', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startApp({ ...SERVICES_ENV, SERVICE_SESSION_EXPIRY: '2' });
  });
  afterAll(() => closeApps(sut));

  // That activity does not extend the absolute lifetime: src/internal-gateway/service-sessions.spec.ts.
  it('emits session:expired { reason: expired } after ~2 s, then disconnects', async () => {
    const started = Date.now();
    const { socket, info } = await connectService(sut.url, 'billing', BILLING_KEY);
    expectSessionInfo(info, 'billing', 'billing', 2);
    const expired = nextEvent<Expired>(socket, 'session:expired', 5000);
    const gone = disconnected(socket, 5000);
    await expect(expired).resolves.toEqual({ reason: 'expired', sessionId: info.sessionId });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    await expect(gone).resolves.toBe('io server disconnect');
  });

  it('applies the same lifetime to a session started with authenticate_service', async () => {
    const socket = await connectAnonymous(sut.url);
    const expired = nextEvent<Expired>(socket, 'session:expired', 5000);
    const gone = disconnected(socket, 5000);
    const res = await ack(socket, 'authenticate_service', { serviceName: 'billing', serviceKey: BILLING_KEY });
    expect(res.ok).toBe(true);
    const { sessionId } = (res as { data: SessionInfo }).data;
    await expect(expired).resolves.toEqual({ reason: 'expired', sessionId });
    await expect(gone).resolves.toBe('io server disconnect');
  });
});

describe('/internal service sessions: idle timeout (SERVICE_SESSION_IDLE_TIMEOUT=1); the timing itself: service-sessions.spec.ts', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startApp({ ...SERVICES_ENV, SERVICE_SESSION_IDLE_TIMEOUT: '1' });
  });
  afterAll(() => closeApps(sut));

  it('a silent session gets session:expired { reason: idle } and is disconnected; a chatty one outlives the timeout', async () => {
    const silent = await connectService(sut.url, 'billing', BILLING_KEY);
    const chatty = await connectService(sut.url, 'billing', BILLING_KEY);
    const chattyExpired = collect<Expired>(chatty.socket, 'session:expired');
    const silentExpired = nextEvent<Expired>(silent.socket, 'session:expired', 4000);
    let silentDropped = false;
    const silentGone = disconnected(silent.socket, 4000).finally(() => (silentDropped = true));

    // The silent session (started first) is the clock: events until it has been dropped.
    while (!silentDropped) {
      const res = await ack(chatty.socket, 'get_online_users', { userIds: ['nobody'] });
      expect(res.ok).toBe(true);
    }
    await expect(silentExpired).resolves.toEqual({ reason: 'idle', sessionId: silent.info.sessionId });
    await expect(silentGone).resolves.toBe('io server disconnect');
    const lastEventAt = Date.now();
    expect((await ack(chatty.socket, 'get_online_users', { userIds: ['nobody'] })).ok).toBe(true);
    expect(chatty.socket.connected).toBe(true);
    expect(chattyExpired).toEqual([]);

    // Once it falls silent, it expires too.
    const chattyGone = disconnected(chatty.socket, 4000);
    await expect(nextEvent<Expired>(chatty.socket, 'session:expired', 4000)).resolves.toEqual({
      reason: 'idle',
      sessionId: chatty.info.sessionId,
    });
    expect(Date.now() - lastEventAt).toBeGreaterThanOrEqual(900);
    await expect(chattyGone).resolves.toBe('io server disconnect');
  });
});

describe('/internal events (memory engine)', () => {
  let sut: TestApp;
  let service: ClientSocket;

  beforeAll(async () => {
    sut = await startApp(SERVICES_ENV);
    service = (await connectService(sut.url, 'billing', BILLING_KEY)).socket;
  });
  afterAll(() => closeApps(sut));

  async function user(userId: string, sessionId = `s-${userId}`): Promise<ClientSocket> {
    return connectUser(sut.url, userToken(userId, sessionId));
  }

  /** Emits `barrier` to `userId` over HTTP and awaits it: everything sent before has arrived. */
  async function barrier(socket: ClientSocket, userId: string): Promise<void> {
    const arrived = nextEvent(socket, 'message:new');
    await authed(http(sut).post('/internal/emit')).send({ userId, event: 'message:new', payload: 'barrier' }).expect(200);
    await expect(arrived).resolves.toBe('barrier');
  }

  describe('send_message', () => {
    it('delivers { message, metadata: { source, serviceName, serviceType, timestamp, metadata } } and acks the split', async () => {
      const online = fresh('sm-on');
      const offline = fresh('sm-off');
      const tab1 = await user(online);
      const tab2 = await user(online);
      const got = [collect(tab1, 'message'), collect(tab2, 'message')];
      const arrived = Promise.all([nextEvent(tab1, 'message'), nextEvent(tab2, 'message')]);

      const before = Date.now();
      const res = await ack(service, 'send_message', { recipientIds: [online, offline, online], message: 'Invoice paid', metadata: { invoiceId: 7 } });
      const after = Date.now();
      expect(res).toEqual({
        ok: true,
        data: { status: 'sent', recipients: { total: 2, sent: [online], failed: [offline] }, timestamp: expect.any(String) },
      });
      const { timestamp } = (res as { data: { timestamp: string } }).data;
      expect(Date.parse(timestamp)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(timestamp)).toBeLessThanOrEqual(after);
      const expected = {
        message: 'Invoice paid',
        metadata: { source: 'internal_service', serviceName: 'billing', serviceType: 'billing', timestamp, metadata: { invoiceId: 7 } },
      };
      await expect(arrived).resolves.toEqual([expected, expected]);
      await barrier(tab1, online);
      await roundTrip(tab2);
      expect(got).toEqual([[expected], [expected]]);
    });

    it('uses the given event name and defaults metadata to {}', async () => {
      const u = fresh('sm-event');
      const socket = await user(u);
      const other = collect(socket, 'message');
      const note = nextEvent(socket, 'notification:new');
      const res = await ack(service, 'send_message', { recipientIds: [u], message: 'hi', event: 'notification:new' });
      expect(res).toMatchObject({ ok: true, data: { status: 'sent', recipients: { total: 1, sent: [u], failed: [] } } });
      await expect(note).resolves.toEqual({
        message: 'hi',
        metadata: { source: 'internal_service', serviceName: 'billing', serviceType: 'billing', timestamp: expect.any(String), metadata: {} },
      });
      await barrier(socket, u);
      expect(other).toEqual([]);
    });

    it('refuses an event outside EMIT_ALLOWED_EVENTS with EVENT_NOT_ALLOWED and delivers nothing', async () => {
      const u = fresh('sm-evil');
      const socket = await user(u);
      const seen = [collect(socket, 'evil:event'), collect(socket, 'message')];
      expectError(await ack(service, 'send_message', { recipientIds: [u], message: 'x', event: 'evil:event' }), 'EVENT_NOT_ALLOWED');
      await barrier(socket, u);
      expect(seen).toEqual([[], []]);
    });

    it.each<[string, unknown, string]>([
      ['no recipientIds', { message: 'x' }, 'recipientIds'],
      ['empty recipientIds', { recipientIds: [], message: 'x' }, 'recipientIds'],
      ['101 recipients', { recipientIds: Array.from({ length: 101 }, (_, i) => `u${i}`), message: 'x' }, 'recipientIds'],
      ['a recipient id of 129 characters', { recipientIds: ['x'.repeat(129)], message: 'x' }, 'recipientIds'],
      ['a numeric message', { recipientIds: ['u'], message: 5 }, 'message'],
      ['metadata as an array', { recipientIds: ['u'], message: 'x', metadata: [1] }, 'metadata'],
      ['an empty event name', { recipientIds: ['u'], message: 'x', event: '' }, 'event'],
    ])('refuses %s with VALIDATION_FAILED', async (_name, payload, field) => {
      const res = await ack(service, 'send_message', payload);
      expectError(res, 'VALIDATION_FAILED');
      expect(errorFields(res)).toContain(field);
    });
  });

  describe('emit', () => {
    it('takes the POST /internal/emit body and acks the same counts', async () => {
      const on = fresh('emit-on');
      const off = fresh('emit-off');
      const socket = await user(on);
      const got = nextEvent(socket, 'message:new');
      const res = await ack(service, 'emit', { userIds: [on, off], event: 'message:new', payload: { n: 1 } });
      expect(res).toEqual({ ok: true, data: { recipients: { total: 2, sent: 1, failed: 1 } } });
      await expect(got).resolves.toEqual({ n: 1 });

      const viaHttp = await authed(http(sut).post('/internal/emit')).send({ userIds: [on, off], event: 'message:new', payload: { n: 2 } }).expect(200);
      expect(viaHttp.body).toEqual(res);
    });

    it('acks { room } for a room target and delivers to it', async () => {
      const u = fresh('emit-room');
      const socket = await user(u);
      const got = nextEvent(socket, 'chat:updated');
      const res = await ack(service, 'emit', { room: `user:${u}`, event: 'chat:updated', payload: 'r' });
      expect(res).toEqual({ ok: true, data: { room: `user:${u}` } });
      await expect(got).resolves.toBe('r');
    });

    it('refuses a disallowed event with EVENT_NOT_ALLOWED and bad bodies with VALIDATION_FAILED', async () => {
      const u = fresh('emit-bad');
      const socket = await user(u);
      const seen = collect(socket, 'evil');
      expectError(await ack(service, 'emit', { userId: u, event: 'evil', payload: 1 }), 'EVENT_NOT_ALLOWED');
      for (const [payload, field] of [
        [{ userId: u }, 'event'],
        [{ userId: u, room: `user:${u}`, event: 'message' }, 'userId'],
        [{ event: 'message' }, 'userId'],
        [{ userIds: [], event: 'message' }, 'userIds'],
      ] as const) {
        const res = await ack(service, 'emit', payload);
        expectError(res, 'VALIDATION_FAILED');
        expect(errorFields(res)).toContain(field);
      }
      await barrier(socket, u);
      expect(seen).toEqual([]);
    });
  });

  describe('force_logout and kick', () => {
    it('force_logout keeps the named session and logs the other out, like the HTTP route', async () => {
      const u = fresh('force');
      const socket = await user(u, 'S1');
      const logouts = collect(socket, 'auth:logout');
      const gone = disconnected(socket);
      const res = await ack(service, 'force_logout', { userId: u, sessionId: 'S2' });
      expect(res).toEqual({ ok: true, data: { revokedSessions: 1 } });
      await expect(gone).resolves.toBe('io server disconnect');
      expect(logouts).toEqual([{ reason: 'force_logout' }]);
      const err = await connectError(sut.url, userToken(u, 'S1'));
      expect(err.message).toBe('SESSION_REVOKED');
      await user(u, 'S2');
    });

    it('kick logs every socket of the user out with the reason; invalidateSession revokes the session', async () => {
      const u = fresh('kick');
      const tabs = [await user(u, 'S1'), await user(u, 'S1')];
      const logouts = tabs.map((t) => collect(t, 'auth:logout'));
      const gone = tabs.map((t) => disconnected(t));
      const bystanderId = fresh('bystander');
      const bystander = await user(bystanderId);
      const res = await ack(service, 'kick', { userId: u, reason: 'maintenance' });
      expect(res).toEqual({ ok: true, data: { revokedSessions: 0 } });
      await expect(Promise.all(gone)).resolves.toEqual(['io server disconnect', 'io server disconnect']);
      expect(logouts).toEqual([[{ reason: 'maintenance' }], [{ reason: 'maintenance' }]]);

      const back = await user(u, 'S1');
      const backLogouts = collect(back, 'auth:logout');
      const backGone = disconnected(back);
      const invalidated = await ack(service, 'kick', { userId: u, invalidateSession: true });
      expect(invalidated).toEqual({ ok: true, data: { revokedSessions: 1 } });
      await expect(backGone).resolves.toBe('io server disconnect');
      expect(backLogouts).toEqual([{ reason: 'kicked' }]);
      expect((await connectError(sut.url, userToken(u, 'S1'))).message).toBe('SESSION_REVOKED');

      await roundTrip(bystander);
      expect(bystander.connected).toBe(true);
    });

    it.each<[string, string, unknown, string]>([
      ['force_logout', 'without sessionId', { userId: 'u' }, 'sessionId'],
      ['force_logout', 'with a numeric userId', { userId: 1, sessionId: 's' }, 'userId'],
      ['kick', "with invalidateSession 'yes'", { userId: 'u', invalidateSession: 'yes' }, 'invalidateSession'],
      ['kick', 'without userId', { reason: 'r' }, 'userId'],
    ])('%s %s → VALIDATION_FAILED and nobody is logged out', async (event, _name, payload, field) => {
      const socket = await user('u', 's-u');
      const logouts = collect(socket, 'auth:logout');
      const res = await ack(service, event, payload);
      expectError(res, 'VALIDATION_FAILED');
      expect(errorFields(res)).toContain(field);
      await barrier(socket, 'u');
      expect(logouts).toEqual([]);
      socket.close();
    });
  });

  describe('get_online_users', () => {
    it('answers like GET /internal/presence', async () => {
      const on = fresh('pres-on');
      const off = fresh('pres-off');
      await user(on);
      await user(on);
      const res = await ack(service, 'get_online_users', { userIds: [on, off] });
      expect(res).toEqual({
        ok: true,
        data: {
          users: [
            { userId: on, status: 'online', customStatus: null, lastSeen: null, devices: 2 },
            { userId: off, status: 'offline', customStatus: null, lastSeen: null, devices: 0 },
          ],
        },
      });
      const viaHttp = await authed(http(sut).get('/internal/presence').query({ userIds: `${on},${off}` })).expect(200);
      expect(viaHttp.body).toEqual(res);
    });

    it.each<[string, unknown]>([
      ['no userIds', {}],
      ['empty userIds', { userIds: [] }],
      ['userIds as a string', { userIds: 'a,b' }],
      ['a non-string id', { userIds: ['a', 7] }],
    ])('refuses %s with VALIDATION_FAILED on userIds', async (_name, payload) => {
      const res = await ack(service, 'get_online_users', payload);
      expectError(res, 'VALIDATION_FAILED');
      expect(errorFields(res)).toContain('userIds');
    });
  });

  it('notify stores and delivers a notification like POST /internal/notifications', async () => {
    const to = fresh('notified');
    const target = await user(to);
    const got = nextEvent(target, 'notification:new');
    const res = await ack(service, 'notify', { userId: to, notification: { type: 'invoice', title: 'Due' } });
    expect(res).toEqual({ ok: true, data: { id: expect.any(String), recipients: { total: 1, sent: 1, failed: 0 } } });
    expect(await got).toEqual({ id: (res as { data: { id: string } }).data.id, type: 'invoice', title: 'Due', createdAt: expect.any(String) });
    const pending = await ack(target, 'notification:get-pending', {});
    expect((pending as { data: { notifications: unknown[] } }).data.notifications).toHaveLength(1);
  });

  it('report_status updates the status snapshot like POST /internal/status', async () => {
    const watcher = await user(fresh('watcher'));
    await ack(watcher, 'subscribe:status', {});
    const got = nextEvent(watcher, 'service:status');
    expect(await ack(service, 'report_status', { service: 'billing', status: 'degraded', message: 'slow' })).toEqual({
      ok: true,
      data: { service: 'billing', status: 'degraded', timestamp: expect.any(String) },
    });
    expect(await got).toEqual({ service: 'billing', status: 'degraded', message: 'slow', timestamp: expect.any(String) });
  });

  it.each<[string, unknown]>([
    ['notify', { userId: 'u', notification: { title: 'no type' } }],
    ['notify', 'garbage'],
    ['report_status', { service: 'billing', status: 'UP!!' }],
    ['report_status', 42],
  ])('%s (%j) → VALIDATION_FAILED', async (event, payload) => {
    expectError(await ack(service, event, payload), 'VALIDATION_FAILED');
    expect(service.connected).toBe(true);
  });

  describe('user send_message on / (§4.1)', () => {
    it("strips a forged metadata.source: recipients see { from, message, metadata, timestamp } with the rest of the metadata", async () => {
      const sender = fresh('forger');
      const to = fresh('victim');
      const off = fresh('off');
      const from = await user(sender);
      const target = await user(to);
      const got = nextEvent(target, 'message');
      const res = await ack(from, 'send_message', {
        recipientIds: [to, off],
        message: 'Your invoice is overdue',
        metadata: { source: 'internal_service', serviceName: 'billing', x: 1 },
      });
      // Strangers to the sender: reported as accepted, whatever their state (docs/protocol.md §4.1).
      expect(res).toEqual({ ok: true, data: { recipients: { total: 2, sent: [], failed: [], accepted: [to, off] }, timestamp: expect.any(String) } });
      const { timestamp } = (res as { data: { timestamp: string } }).data;
      await expect(got).resolves.toEqual({ from: sender, message: 'Your invoice is overdue', metadata: { serviceName: 'billing', x: 1 }, timestamp });
    });

    it('refuses an invalid payload with VALIDATION_FAILED', async () => {
      const from = await user(fresh('u-invalid'));
      for (const [payload, field] of [
        [{ recipientIds: [], message: 'x' }, 'recipientIds'],
        [{ recipientIds: ['a'] }, 'message'],
        [{ recipientIds: ['a'], message: 'x', metadata: 'str' }, 'metadata'],
      ] as const) {
        const res = await ack(from, 'send_message', payload);
        expectError(res, 'VALIDATION_FAILED');
        expect(errorFields(res)).toContain(field);
      }
    });
  });
});

describe('/internal across two nodes (redis engine)', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    const env = { ...SERVICES_ENV, ...redisEnv(uniquePrefix('internal-ns')), SERVICE_REGISTRATION: 'true', REQUIRE_SERVICE_APPROVAL: 'false' };
    a = await startApp(env);
    b = await startApp(env);
  });
  afterAll(() => closeApps(a, b));

  it('send_message from a service on A reaches users on A and B exactly once and reports the offline one', async () => {
    const { socket: service } = await connectService(a.url, 'billing', BILLING_KEY);
    const [u1, u2, u3] = [fresh('x-a'), fresh('x-b'), fresh('x-off')];
    const s1 = await connectUser(a.url, userToken(u1));
    const s2 = await connectUser(b.url, userToken(u2));
    const seen = [collect<{ message: string }>(s1, 'message'), collect<{ message: string }>(s2, 'message')];

    let arrived = Promise.all([nextEvent(s1, 'message'), nextEvent(s2, 'message')]);
    const res = await ack(service, 'send_message', { recipientIds: [u1, u2, u3], message: 'one' });
    expect(res).toEqual({
      ok: true,
      data: { status: 'sent', recipients: { total: 3, sent: [u1, u2], failed: [u3] }, timestamp: expect.any(String) },
    });
    await arrived;

    arrived = Promise.all([nextEvent(s1, 'message'), nextEvent(s2, 'message')]);
    expect(await ack(service, 'send_message', { recipientIds: [u1, u2], message: 'two' })).toMatchObject({ ok: true });
    await arrived;
    expect(seen.map((list) => list.map((m) => m.message))).toEqual([
      ['one', 'two'],
      ['one', 'two'],
    ]);
  });

  it('a service registered on A authenticates on B; get_online_users on B sees a user on A', async () => {
    const name = freshService('cross');
    const registrar = await connectAnonymous(a.url);
    expect(await ack(registrar, 'register_service', { serviceName: name, serviceKey: keyFor(name), serviceType: 'crm' })).toEqual({
      ok: true,
      data: { serviceName: name, status: 'active' },
    });
    const { socket, info } = await connectService(b.url, name, keyFor(name));
    expectSessionInfo(info, name, 'crm', 3600);

    const u = fresh('cross-user');
    await connectUser(a.url, userToken(u));
    const res = await ack(socket, 'get_online_users', { userIds: [u] });
    expect(res).toMatchObject({ ok: true, data: { users: [{ userId: u, status: 'online', devices: 1 }] } });

    const listedOnB = await authed(http(b).get('/internal/services')).expect(200);
    expect(listedOnB.body.data.services).toContainEqual(expect.objectContaining({ name, status: 'active', source: 'registered' }));
  });

  it('DELETE /internal/services/:name on A disconnects its sockets on A and B; it can no longer authenticate', async () => {
    const name = freshService('doomed');
    const registrar = await connectAnonymous(b.url);
    expect(await ack(registrar, 'register_service', { serviceName: name, serviceKey: keyFor(name), serviceType: 'crm' })).toMatchObject({ ok: true });
    const onA = await connectService(a.url, name, keyFor(name));
    const onB = await connectService(b.url, name, keyFor(name));
    const billing = await connectService(b.url, 'billing', BILLING_KEY);
    const gone = [disconnected(onA.socket), disconnected(onB.socket)];

    const res = await authed(http(a).delete(`/internal/services/${name}`)).expect(200);
    expect(res.body).toEqual({ ok: true, data: { removed: name } });
    await expect(Promise.all(gone)).resolves.toEqual(['io server disconnect', 'io server disconnect']);

    await expectServiceRefused(a.url, { serviceName: name, serviceKey: keyFor(name) });
    await expectServiceRefused(b.url, { serviceName: name, serviceKey: keyFor(name) });
    const list = await authed(http(b).get('/internal/services')).expect(200);
    expect(list.body.data.services.map((s: { name: string }) => s.name)).not.toContain(name);
    await authed(http(b).delete(`/internal/services/${name}`)).expect(404);

    // Other services are untouched.
    expect(await ack(billing.socket, 'get_online_users', { userIds: ['nobody'] })).toMatchObject({ ok: true });
  });
});

describe('/internal registered services survive a restart (redis engine)', () => {
  const apps: TestApp[] = [];
  afterAll(() => closeApps(...apps));

  it('a service registered and approved before every node stopped is listed and authenticates on a new node', async () => {
    const env = { ...SERVICES_ENV, ...redisEnv(uniquePrefix('internal-persist')), SERVICE_REGISTRATION: 'true' };
    const a = await startApp(env);
    apps.push(a);
    const b = await startApp(env);
    apps.push(b);
    const name = freshService('durable');
    const registrar = await connectAnonymous(a.url);
    const res = await ack(registrar, 'register_service', {
      serviceName: name,
      serviceKey: keyFor(name),
      serviceType: 'crm',
      description: 'Kept in Redis',
    });
    expect(res).toEqual({ ok: true, data: { serviceName: name, status: 'pending' } });
    await expectServiceRefused(b.url, { serviceName: name, serviceKey: keyFor(name) });
    await authed(http(b).post(`/internal/services/${name}/approve`)).expect(200);
    await connectService(a.url, name, keyFor(name));

    closeAllClients();
    await Promise.all([a.close(), b.close()]);
    apps.length = 0;

    const c = await startApp(env);
    apps.push(c);
    const list = await authed(http(c).get('/internal/services')).expect(200);
    expect(list.body.data.services).toContainEqual({
      name,
      type: 'crm',
      description: 'Kept in Redis',
      status: 'active',
      source: 'registered',
      createdAt: expect.any(String),
      registrant: { address: expect.any(String), keyFingerprint: expect.stringMatching(/^sha256:[0-9a-f]{16}$/) },
    });
    const { info } = await connectService(c.url, name, keyFor(name));
    expectSessionInfo(info, name, 'crm', 3600);
    await expectServiceRefused(c.url, { serviceName: name, serviceKey: keyFor('wrong') });
  });
});
