// SPEC §6.1, §1: the internal API checks the bearer secret before it reads a body, and no HTTP
// request may hold a connection open by sending its body slowly (HTTP_REQUEST_TIMEOUT_MS → 408).
import { TEST_INTERNAL_SECRET, useApp } from '../support/app.js';
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
