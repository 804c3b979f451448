import request from 'supertest';
import { type ClientSocket, type ConnectErrorLike, closeAllClients, collect, connectUser, createClient, firstOf, nextEvent } from '../support/client.js';
import { type TestApp, TEST_INTERNAL_SECRET, startApp, userToken, useApp, fresh } from '../support/app.js';

// docs/protocol.md §6.1/§6.2 with INTERNAL_PORT: `/internal/*` routes and the `/internal` namespace live only
// on the internal port, everything else only on the public port; each side looks absent on the
// other port.

const SERVICE = { serviceName: 'billing', serviceKey: 'billing-key-0123456789' };
const SERVICES_ENV = JSON.stringify({ billing: { key: SERVICE.serviceKey, type: 'billing' } });
// Every row has all three entries: jest-each would pass a `done` callback in place of a missing one.
const INTERNAL_ROUTES: Array<[method: 'get' | 'post', path: string, body: object | null]> = [
  ['post', '/internal/emit', { userId: 'u-route', event: 'message', payload: 1 }],
  ['post', '/internal/kick', { userId: 'u-route' }],
  ['post', '/internal/force-logout', { userId: 'u-route', sessionId: 's' }],
  ['get', '/internal/services', null],
  ['get', '/internal/presence?userIds=a', null],
];

function call(baseUrl: string, method: 'get' | 'post', path: string, body: object | null, secret: string | null = TEST_INTERNAL_SECRET) {
  const req = request(baseUrl)[method](path);
  if (secret !== null) req.set('Authorization', `Bearer ${secret}`);
  return body === null ? req : req.send(body);
}

/** Opens a Socket.IO client on `nsp` and resolves with how the connection attempt ended. */
async function attempt(
  baseUrl: string,
  nsp: string,
  auth: Record<string, string>,
): Promise<{ socket: ClientSocket; connected: boolean; error?: ConnectErrorLike }> {
  const socket = createClient(`${baseUrl}${nsp}`, { auth });
  const { event, payload } = await firstOf<ConnectErrorLike>(socket, ['connect', 'connect_error']);
  return event === 'connect' ? { socket, connected: true } : { socket, connected: false, error: payload };
}

async function refusal(baseUrl: string, nsp: string, auth: Record<string, string>): Promise<{ message: string; data: unknown }> {
  const result = await attempt(baseUrl, nsp, auth);
  result.socket.close();
  if (result.connected) throw new Error(`expected connect_error on ${nsp} but the socket connected`);
  return { message: result.error!.message, data: result.error!.data };
}

/** Connects as the billing service and waits for the server's `authenticated` confirmation. */
async function connectService(baseUrl: string): Promise<ClientSocket> {
  const socket = createClient(`${baseUrl}/internal`, { auth: SERVICE });
  const { event, payload } = await firstOf<ConnectErrorLike & { serviceName?: string }>(socket, ['authenticated', 'connect_error']);
  if (event === 'connect_error') throw new Error(`service connect_error ${payload.message} ${JSON.stringify(payload.data)}`);
  expect(payload).toMatchObject({ serviceName: 'billing', serviceType: 'billing' });
  return socket;
}

describe('INTERNAL_PORT split', () => {
  let sut: TestApp;
  let publicUrl: string;
  let internalUrl: string;

  beforeAll(async () => {
    sut = await startApp({ INTERNAL_PORT: '0', INTERNAL_SERVICES: SERVICES_ENV });
    publicUrl = sut.url;
    internalUrl = sut.internalUrl!;
  });
  afterEach(() => closeAllClients());
  afterAll(async () => {
    await sut.close();
  });

  it('binds a separate internal port', () => {
    expect(sut.internalPort).toEqual(expect.any(Number));
    expect(sut.internalPort).toBeGreaterThan(0);
    expect(sut.internalPort).not.toBe(sut.port);
  });

  describe('public port', () => {
    it('answers an unknown route with 404 NOT_FOUND (the reference for "does not exist")', async () => {
      const res = await request(publicUrl).get('/no-such-route').expect(404);
      expect(res.body).toEqual({ ok: false, error: expect.objectContaining({ code: 'NOT_FOUND' }) });
    });

    it.each(INTERNAL_ROUTES)('%s %s is 404 like a missing route, even with the right secret', async (method, path, body) => {
      const missing = await call(publicUrl, method, '/no-such-route', body);
      const res = await call(publicUrl, method, path, body);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ ok: false, error: expect.objectContaining({ code: 'NOT_FOUND' }) });
      expect(res.status).toBe(missing.status);
      expect(res.body).toEqual(missing.body);
      // Without the secret it is still a missing route, not a 401 that reveals the route exists.
      const anonymous = await call(publicUrl, method, path, body, null);
      expect(anonymous.status).toBe(404);
      expect(anonymous.body).toEqual(missing.body);
    });

    // Express matches routes case-insensitively and tolerates a trailing slash or repeated
    // slashes, so every spelling the router would accept must be refused too.
    it.each([
      ['upper case', '/INTERNAL/emit'],
      ['mixed case', '/Internal/Emit'],
      ['trailing slash', '/internal/emit/'],
      ['a leading double slash', '//internal/emit'],
      ['a percent-encoded letter', '/%69nternal/emit'],
    ])('does not serve /internal/emit spelled with %s (%s)', async (_label, path) => {
      const u = fresh('spelling');
      const user = await connectUser(publicUrl, userToken(u));
      const seen = collect<string>(user, 'message');
      const res = await call(publicUrl, 'post', path, { userId: u, event: 'message', payload: 'leak' });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ ok: false, error: expect.objectContaining({ code: 'NOT_FOUND' }) });
      // Nothing was emitted: an emit through the internal port afterwards is the only one to arrive.
      const received = nextEvent(user, 'message');
      await call(internalUrl, 'post', '/internal/emit', { userId: u, event: 'message', payload: 'via-internal' }).expect(200);
      expect(await received).toBe('via-internal');
      expect(seen).toEqual(['via-internal']);
    });

    it('still serves /health/live and /health/ready; /metrics and /health moved to the internal port', async () => {
      await request(publicUrl).get('/health/live').expect(200);
      await request(publicUrl).get('/health/ready').expect(200);
      await request(publicUrl).get('/metrics').expect(404);
      await request(publicUrl).get('/health').expect(404);
      const metrics = await request(internalUrl).get('/metrics').expect(200);
      expect(metrics.text).toContain('# TYPE');
    });

    it('accepts a user socket on /', async () => {
      const socket = await connectUser(publicUrl, userToken(fresh('pub')));
      expect(socket.connected).toBe(true);
    });

    it('refuses /internal with valid service credentials exactly like a namespace that does not exist', async () => {
      const internal = await refusal(publicUrl, '/internal', SERVICE);
      const missing = await refusal(publicUrl, '/no-such-namespace', SERVICE);
      expect(internal.message).toBe('Invalid namespace');
      expect(missing.message).toBe('Invalid namespace');
      expect(internal).toEqual(missing);
    });
  });

  describe('internal port', () => {
    it.each(INTERNAL_ROUTES)('%s %s works with the secret and is 401 without it', async (method, path, body) => {
      const res = await call(internalUrl, method, path, body);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ok: true });
      const anonymous = await call(internalUrl, method, path, body, null);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toEqual({ ok: false, error: expect.objectContaining({ code: 'UNAUTHORIZED' }) });
    });

    it('delivers an HTTP emit to a user connected on the public port', async () => {
      const u = fresh('http-emit');
      const user = await connectUser(publicUrl, userToken(u));
      const received = nextEvent(user, 'message');
      const res = await call(internalUrl, 'post', '/internal/emit', { userId: u, event: 'message', payload: { n: 1 } }).expect(200);
      expect(res.body).toEqual({ ok: true, data: { recipients: { total: 1, sent: 1, failed: 0 } } });
      expect(await received).toEqual({ n: 1 });
    });

    // A balancer can probe here, off the public port's listen backlog (docs/operations.md).
    it.each([['/health/live'], ['/health/ready']])('serves %s as well, with the same answer as the public port', async (path) => {
      const [internal, public_] = await Promise.all([request(internalUrl).get(path), request(publicUrl).get(path)]);
      expect(internal.status).toBe(200);
      expect(public_.status).toBe(200);
      expect(Object.keys(internal.body).sort()).toEqual(Object.keys(public_.body).sort());
      await request(internalUrl).get('/no-such-route').expect(404);
    });

    it('accepts /internal with valid credentials; its emit reaches a user on the public port', async () => {
      const u = fresh('svc-emit');
      const user = await connectUser(publicUrl, userToken(u));
      const service = await connectService(internalUrl);
      const received = nextEvent(user, 'message');
      const ack = await service.timeout(5000).emitWithAck('emit', { userId: u, event: 'message', payload: { from: 'billing' } });
      expect(ack).toEqual({ ok: true, data: { recipients: { total: 1, sent: 1, failed: 0 } } });
      expect(await received).toEqual({ from: 'billing' });
    });

    it('still checks service credentials on /internal', async () => {
      const wrong = await refusal(internalUrl, '/internal', { ...SERVICE, serviceKey: `${SERVICE.serviceKey}x` });
      expect(wrong.message).toBe('AUTH_INVALID');
    });

    it('refuses a user socket on / with "Invalid namespace", even with a valid token', async () => {
      const err = await refusal(internalUrl, '/', { token: userToken(fresh('int-user')) });
      const missing = await refusal(internalUrl, '/no-such-namespace', { token: userToken(fresh('int-user')) });
      expect(err.message).toBe('Invalid namespace');
      expect(err).toEqual(missing);
    });
  });
});

// Issue 10 item 1: socket.io-client's default transports start with HTTP long-polling, whose
// later requests may come on other TCP connections than the handshake; the port decides anyway.
describe('INTERNAL_PORT split over every transport', () => {
  const sut = useApp({ INTERNAL_PORT: '0', INTERNAL_SERVICES: SERVICES_ENV }, { closeClients: 'each' });

  const DEFAULT_TRANSPORTS = { transports: ['polling', 'websocket'], upgrade: true };
  const POLLING_ONLY = { transports: ['polling'] };

  async function attemptWith(baseUrl: string, nsp: string, auth: Record<string, string>, opts: object) {
    const socket = createClient(`${baseUrl}${nsp}`, { auth, ...opts });
    const first = await firstOf<ConnectErrorLike & { serviceName?: string }>(socket, nsp === '/internal' ? ['authenticated', 'connect_error'] : ['connected', 'connect_error']);
    return { socket, ...first };
  }

  it('a service with the default transports (polling, then the upgrade) connects on the internal port and its emit arrives', async () => {
    const u = fresh('default-transports');
    const user = await connectUser(sut.url, userToken(u));
    const { socket, event, payload } = await attemptWith(sut.internalUrl!, '/internal', SERVICE, DEFAULT_TRANSPORTS);
    expect(event).toBe('authenticated');
    expect(payload).toMatchObject({ serviceName: 'billing' });
    if (socket.io.engine.transport.name !== 'websocket') await new Promise((resolve) => socket.io.engine.once('upgrade', resolve));
    const received = nextEvent(user, 'message');
    const ack = await socket.timeout(5000).emitWithAck('emit', { userId: u, event: 'message', payload: 'after-upgrade' });
    expect(ack).toMatchObject({ ok: true });
    expect(await received).toBe('after-upgrade');
  });

  it("a service with transports: ['polling'] connects on the internal port and its emit arrives", async () => {
    const u = fresh('polling-only');
    const user = await connectUser(sut.url, userToken(u));
    const { socket, event } = await attemptWith(sut.internalUrl!, '/internal', SERVICE, POLLING_ONLY);
    expect(event).toBe('authenticated');
    expect(socket.io.engine.transport.name).toBe('polling');
    const received = nextEvent(user, 'message');
    const ack = await socket.timeout(5000).emitWithAck('emit', { userId: u, event: 'message', payload: 'over-polling' });
    expect(ack).toMatchObject({ ok: true });
    expect(await received).toBe('over-polling');
  });

  it.each([
    ['polling', POLLING_ONLY],
    ['default transports', DEFAULT_TRANSPORTS],
    ['websocket', { transports: ['websocket'] }],
  ])('a user JWT on / is refused on the internal port over %s', async (_label, opts) => {
    const { event, payload } = await attemptWith(sut.internalUrl!, '/', { token: userToken(fresh('int-user')) }, opts);
    expect(event).toBe('connect_error');
    expect(payload.message).toBe('Invalid namespace');
  });

  it.each([
    ['polling', POLLING_ONLY],
    ['default transports', DEFAULT_TRANSPORTS],
    ['websocket', { transports: ['websocket'] }],
  ])('/internal is refused on the public port over %s', async (_label, opts) => {
    const { event, payload } = await attemptWith(sut.url, '/internal', SERVICE, opts);
    expect(event).toBe('connect_error');
    expect(payload.message).toBe('Invalid namespace');
  });

  it.each([
    ['polling', POLLING_ONLY],
    ['default transports', DEFAULT_TRANSPORTS],
  ])('a user still connects on the public port over %s', async (_label, opts) => {
    const { event } = await attemptWith(sut.url, '/', { token: userToken(fresh('pub-user')) }, opts);
    expect(event).toBe('connected');
  });
});

describe('without INTERNAL_PORT', () => {
  const sut = useApp({ INTERNAL_SERVICES: SERVICES_ENV }, { closeClients: 'each' });

  it('has no internal port', () => {
    expect(sut.internalPort).toBeUndefined();
  });

  it.each(INTERNAL_ROUTES)('%s %s works on the one port', async (method, path, body) => {
    const res = await call(sut.url, method, path, body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true });
  });

  it('serves /health/live, user sockets and the /internal namespace on the one port', async () => {
    await request(sut.url).get('/health/live').expect(200);
    const u = fresh('single');
    const user = await connectUser(sut.url, userToken(u));
    const service = await connectService(sut.url);
    const received = nextEvent(user, 'message');
    const ack = await service.timeout(5000).emitWithAck('emit', { userId: u, event: 'message', payload: 'one-port' });
    expect(ack).toMatchObject({ ok: true, data: { recipients: { total: 1, sent: 1, failed: 0 } } });
    expect(await received).toBe('one-port');
  });
});
