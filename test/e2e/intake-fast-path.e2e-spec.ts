// docs/performance.md (the intake's raw path): POST /internal/emit and /internal/emit/batch are read off
// Node's request ahead of Fastify. Every answer must be the one the Fastify routes give: the same
// status, body, content type, Retry-After and Connection header. The Fastify routes still answer any
// other spelling of the path (a trailing slash, upper case), so each request here goes both ways.
import { request as httpRequest } from 'node:http';
import { jest } from '@jest/globals';
import { IntakeFastPath } from '../../src/internal-api/intake-fast-path.js';
import { TEST_INTERNAL_SECRET, useApp, userToken } from '../support/app.js';
import { closeAllClients, connectUser, nextEvent } from '../support/client.js';

interface Answer {
  status: number;
  body: string;
  type?: string;
  retryAfter?: string;
  connection?: string;
}

function post(port: number, path: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_INTERNAL_SECRET}`, 'content-length': Buffer.byteLength(body), ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode as number,
            body: text,
            type: res.headers['content-type'],
            retryAfter: res.headers['retry-after'] as string | undefined,
            // Node answers keep-alive requests without the header unless the handler closes.
            connection: res.headers.connection === 'close' ? 'close' : 'keep-alive',
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** What a request gets on the raw path (`/internal/emit…`) and through Fastify (`/internal/emit…/`). */
async function bothWays(port: number, path: string, body: string, headers: Record<string, string> = {}): Promise<[raw: Answer, fastify: Answer]> {
  return [await post(port, path, body, headers), await post(port, `${path}/`, body, headers)];
}

describe('the intake raw path answers as the Fastify routes do', () => {
  const sut = useApp({ EMIT_ALLOWED_EVENTS: 'notification:new' });
  let served: jest.SpiedFunction<(...args: unknown[]) => void>;

  beforeEach(() => {
    served = jest.spyOn(sut.app.get(IntakeFastPath) as unknown as { serve: (...args: unknown[]) => void }, 'serve');
  });
  afterEach(() => {
    served.mockRestore();
    closeAllClients();
  });

  const cases: Array<[name: string, path: string, body: string, status: number, headers?: Record<string, string>]> = [
    ['a valid emit', '/internal/emit', JSON.stringify({ userId: 'nobody', event: 'notification:new', payload: { n: 1 } }), 200],
    ['an emit that fails validation', '/internal/emit', JSON.stringify({ event: 'notification:new' }), 400],
    ['an event off the allowlist', '/internal/emit', JSON.stringify({ userId: 'u1', event: 'not:allowed', payload: {} }), 403],
    ['a body that is not JSON', '/internal/emit', '{"userId":', 400],
    ['a body of whitespace', '/internal/emit', '   ', 400],
    ['JSON null', '/internal/emit', 'null', 400],
    ['a __proto__ key', '/internal/emit', '{"userId":"u1","event":"notification:new","payload":{"__proto__":{"admin":true}}}', 400],
    ['an escaped __proto__ key', '/internal/emit', '{"userId":"u1","event":"notification:new","payload":{"\\u005f_proto__":{"admin":true}}}', 400],
    ['a constructor.prototype key', '/internal/emit', '{"userId":"u1","event":"notification:new","payload":{"constructor":{"prototype":{"admin":true}}}}', 400],
    ['a harmless constructor key', '/internal/emit', '{"userId":"u1","event":"notification:new","payload":{"constructor":"x"}}', 200],
    ['a wrong secret', '/internal/emit', '{}', 401, { authorization: 'Bearer wrong' }],
    ['no secret', '/internal/emit', '{}', 401, { authorization: '' }],
    ['a valid batch', '/internal/emit/batch', JSON.stringify({ items: [{ userId: 'a', event: 'notification:new', payload: {} }, { userId: 'b', event: 'nope', payload: {} }] }), 200],
    ['an empty batch', '/internal/emit/batch', JSON.stringify({ items: [] }), 400],
    ['a batch that is not an object', '/internal/emit/batch', '[1,2]', 400],
  ];

  it.each(cases)('%s', async (_name, path, body, status, headers = {}) => {
    const [raw, fastify] = await bothWays(sut.port, path, body, headers);
    expect(raw).toEqual(fastify);
    expect(raw.status).toBe(status);
    expect(served).toHaveBeenCalledTimes(1);
  });

  it('a body that nests 100,000 arrays is refused without a stack overflow, as Fastify refuses it', async () => {
    const body = `{"userId":"u1","event":"notification:new","payload":{"constructor":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    const [raw, fastify] = await bothWays(sut.port, '/internal/emit', body);
    expect(raw).toEqual(fastify);
    expect(raw.status).not.toBe(500);
  });

  it('delivers what it accepts, exactly as Fastify would', async () => {
    const client = await connectUser(sut.url, userToken('raw-u1'));
    const next = nextEvent(client, 'notification:new');
    const answer = await post(sut.port, '/internal/emit', JSON.stringify({ userId: 'raw-u1', event: 'notification:new', payload: { hello: 'raw' } }));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ ok: true, data: { recipients: { total: 1, sent: 1, failed: 0 } } });
    expect(await next).toMatchObject({ hello: 'raw' });
    expect(served).toHaveBeenCalledTimes(1);
  });

  it('leaves to Fastify what it does not read the same way: other content types, chunked bodies, other methods', async () => {
    const emit = JSON.stringify({ userId: 'nobody', event: 'notification:new', data: {} });
    expect((await post(sut.port, '/internal/emit', emit, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(sut.port, '/internal/emit', emit, { 'content-type': 'application/json; charset=latin1' })).status).toBe(200);
    expect(served).not.toHaveBeenCalled();
  });
});
