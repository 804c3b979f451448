// SPEC §6.1, §1: the internal API checks the bearer secret before it reads a body, and no HTTP
// request may hold a connection open by sending its body slowly (HTTP_REQUEST_TIMEOUT_MS → 408).
import { startApp, TEST_INTERNAL_SECRET, useApp } from '../support/app.js';
import { closeAllRawHttp, postHead, rawHttp, statusWithin } from '../support/raw-http.js';

afterEach(() => closeAllRawHttp());

const MIB = 1024 * 1024;

/** Every /internal route that takes a body, with the method it is called with. */
const BODY_ROUTES: Array<[method: string, path: string]> = [
  ['POST', '/internal/emit'],
  ['POST', '/internal/emit/batch'],
  ['POST', '/internal/force-logout'],
  ['POST', '/internal/kick'],
  ['POST', '/internal/notifications'],
  ['POST', '/internal/status'],
  ['POST', '/internal/webhooks/uptime-kuma'],
  ['PUT', '/internal/chats/c1/members'],
  ['POST', '/internal/chats/c1/members'],
  ['PUT', '/internal/users/u1/friends'],
  ['POST', '/internal/services/billing/approve'],
];

function head(method: string, path: string, length: number, headers: Record<string, string> = {}): string {
  return postHead(path, length, headers).replace(/^POST /, `${method} `);
}

describe('the bearer secret is checked before the body is read (SPEC §6.1)', () => {
  const sut = useApp();

  it.each(BODY_ROUTES)('%s %s without the secret, announcing 1 MiB and sending nothing, is answered 401 at once', async (method, path) => {
    const req = rawHttp(sut.port, head(method, path, MIB));
    expect(await statusWithin(req, 2000)).toBe(401);
    expect(req.received()).toContain('"UNAUTHORIZED"');
  });

  it('a wrong secret is answered the same way', async () => {
    const req = rawHttp(sut.port, head('POST', '/internal/emit', MIB, { Authorization: 'Bearer not-the-secret' }));
    expect(await statusWithin(req, 2000)).toBe(401);
  });
});

describe('HTTP_REQUEST_TIMEOUT_MS=600', () => {
  const sut = useApp({ HTTP_REQUEST_TIMEOUT_MS: '600' });
  const auth = { Authorization: `Bearer ${TEST_INTERNAL_SECRET}` };

  it('answers 408 to a body that stops arriving', async () => {
    const req = rawHttp(sut.port, head('POST', '/internal/emit', 100, auth));
    req.write('{"userId":');
    const started = Date.now();
    expect(await statusWithin(req, 4000)).toBe(408);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });

  it('answers 408 to a body that trickles in a byte at a time', async () => {
    const body = JSON.stringify({ userId: 'u1', event: 'notification:new', payload: { pad: 'x'.repeat(200) } });
    const req = rawHttp(sut.port, head('POST', '/internal/emit', Buffer.byteLength(body), auth));
    let i = 0;
    const trickle = setInterval(() => {
      if (i < body.length) req.write(body[i++]);
    }, 50);
    try {
      expect(await statusWithin(req, 4000)).toBe(408);
      expect(i).toBeLessThan(body.length);
    } finally {
      clearInterval(trickle);
    }
  });

  it('still serves a request whose body arrives in time', async () => {
    const body = JSON.stringify({ userId: 'nobody', event: 'notification:new', payload: {} });
    const req = rawHttp(sut.port, head('POST', '/internal/emit', Buffer.byteLength(body), auth));
    req.write(body);
    expect(await statusWithin(req, 2000)).toBe(200);
  });
});

describe('INTERNAL_PORT listener (HTTP_REQUEST_TIMEOUT_MS=600)', () => {
  const sut = useApp({ INTERNAL_PORT: '0', HTTP_REQUEST_TIMEOUT_MS: '600' });

  it('checks the secret before the body there too', async () => {
    const req = rawHttp(sut.internalPort as number, head('POST', '/internal/emit', MIB));
    expect(await statusWithin(req, 2000)).toBe(401);
  });

  it('answers 408 to a body that stops arriving there too', async () => {
    const req = rawHttp(sut.internalPort as number, head('POST', '/internal/kick', 100, { Authorization: `Bearer ${TEST_INTERNAL_SECRET}` }));
    req.write('{');
    expect(await statusWithin(req, 4000)).toBe(408);
  });
});

describe('failed internal-secret attempts are counted and limited per client IP (RATE_LIMIT_MAX_CONNECTIONS=3)', () => {
  const sut = useApp({ RATE_LIMIT_MAX_CONNECTIONS: '3', TRUST_PROXY: '1' });

  function presence(ip: string, secret: string): Promise<Response> {
    return fetch(`${sut.url}/internal/presence?userIds=u1`, { headers: { Authorization: `Bearer ${secret}`, 'X-Forwarded-For': ip } });
  }

  it('answers 429 RATE_LIMITED once an address spent its failures, even to the right secret; other addresses are unaffected', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await presence('203.0.113.7', `guess-${i}`)).status);
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(-2)).toEqual([429, 429]);
    const blocked = await presence('203.0.113.7', TEST_INTERNAL_SECRET);
    expect(blocked.status).toBe(429);
    expect(((await blocked.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    expect((await presence('203.0.113.8', TEST_INTERNAL_SECRET)).status).toBe(200);

    const metrics = await (await fetch(`${sut.url}/metrics`)).text();
    const failures = /^gateway_internal_auth_failures_total (\d+)/m.exec(metrics)?.[1];
    expect(Number(failures)).toBeGreaterThanOrEqual(3);
  });
});

describe('internal API bodies and allowlist', () => {
  const sut = useApp({ EMIT_ALLOWED_EVENTS: '*' });
  const auth = { Authorization: `Bearer ${TEST_INTERNAL_SECRET}` };

  function emit(body: unknown): Promise<Response> {
    return fetch(`${sut.url}/internal/emit`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  }

  it('answers a text/plain body 415', async () => {
    const res = await fetch(`${sut.url}/internal/emit`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'text/plain' },
      body: JSON.stringify({ userId: 'u1', event: 'message', payload: {} }),
    });
    expect(res.status).toBe(415);
  });

  it('answers 409 to an idempotency key reused with a different body, and the first data to the same body', async () => {
    const key = `k-${Date.now()}-${Math.random()}`;
    const first = await emit({ userId: 'nobody', event: 'message', payload: { n: 1 }, idempotencyKey: key });
    expect(first.status).toBe(200);
    const firstBody = await first.json();
    const same = await emit({ userId: 'nobody', event: 'message', payload: { n: 1 }, idempotencyKey: key });
    expect(same.status).toBe(200);
    expect(await same.json()).toEqual(firstBody);
    const other = await emit({ userId: 'nobody', event: 'message', payload: { n: 2 }, idempotencyKey: key });
    expect(other.status).toBe(409);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('never emits a Socket.IO reserved event, not even under a "*" allowlist: 403 EVENT_NOT_ALLOWED', async () => {
    for (const event of ['connect', 'disconnect', 'connect_error']) {
      const res = await emit({ userId: 'u1', event, payload: {} });
      expect({ event, status: res.status }).toEqual({ event, status: 403 });
    }
  });
});

describe('a reserved event in EMIT_ALLOWED_EVENTS', () => {
  it('is a configuration error at start-up', async () => {
    const started = startApp({ EMIT_ALLOWED_EVENTS: 'message,connect' });
    // Closed if it did start, so that a failure here does not keep the test process alive.
    started.then((app) => app.close(), () => undefined);
    await expect(started).rejects.toThrow(/EMIT_ALLOWED_EVENTS/);
  });
});

describe('/metrics and /health with INTERNAL_PORT', () => {
  const sut = useApp({ INTERNAL_PORT: '0' });

  it('are served on the internal port only; /health/live and /health/ready stay on the public port for load balancers', async () => {
    const pub = (path: string) => fetch(`${sut.url}${path}`).then((r) => r.status);
    const internal = (path: string) => fetch(`${sut.internalUrl}${path}`).then((r) => r.status);
    expect(await pub('/metrics')).toBe(404);
    expect(await pub('/health')).toBe(404);
    expect(await internal('/metrics')).toBe(200);
    expect(await internal('/health')).toBe(200);
    expect(await pub('/health/live')).toBe(200);
    expect(await pub('/health/ready')).toBe(200);
  });
});
