import request from 'supertest';
import { type ClientSocket, collect, connectUser, nextEvent } from '../support/client.js';
import { type TestApp, TEST_INTERNAL_SECRET, userToken, useApp, fresh } from '../support/app.js';
import { scrapeMetrics, sumOf } from '../support/metrics.js';
import { barrier } from '../support/backend.js';

// docs/protocol.md §6.1: POST /internal/emit/batch, and the hot route's validation (compiled JSON schema,
// same VALIDATION_FAILED shape as the DTO routes).

function post(app: TestApp, path: string, body: unknown, secret: string | null = TEST_INTERNAL_SECRET) {
  const req = request(app.app.getHttpServer()).post(path);
  if (secret !== null) req.set('Authorization', `Bearer ${secret}`);
  return req.send(body as object);
}

const connect = (app: TestApp, userId: string): Promise<ClientSocket> => connectUser(app.url, userToken(userId));

/** Waits for `payload` on `message` at every socket: everything emitted before it has arrived. */
const fieldsOf = (error: { details?: Array<{ field: string }> }) => (error.details ?? []).map((d) => d.field);

describe('POST /internal/emit/batch', () => {
  const sut = useApp({ EMIT_ALLOWED_EVENTS: 'message,notification:*,profile:update' }, { closeClients: 'each' });

  it('answers each item in order; bad and disallowed items fail alone; good ones are delivered exactly once', async () => {
    const [a, b] = [fresh('batch-a'), fresh('batch-b')];
    const [sa, sb] = [await connect(sut, a), await connect(sut, b)];
    const seenA = collect<unknown>(sa, 'message');
    const seenB = collect<unknown>(sb, 'message');
    const evilA = collect<unknown>(sa, 'evil');
    const notesB = collect<unknown>(sb, 'notification:new');

    const res = await post(sut, '/internal/emit/batch', {
      items: [
        { userId: a, event: 'message', payload: 'a-1' },
        { userId: a, payload: 'no event' },
        { userId: a, event: 'evil', payload: 'refused' },
        { userIds: [a, b, fresh('offline')], event: 'message', payload: 'both' },
        { userId: a, room: `user:${a}`, event: 'message', payload: 'two targets' },
        42,
        { userId: b, event: 'notification:new', payload: { n: 1 } },
        { userId: 'x'.repeat(129), event: 'has space', payload: 'bad fields' },
      ],
    }).expect(200);

    const { results } = res.body.data as { results: Array<{ ok: boolean; data?: unknown; error?: { code: string; details?: Array<{ field: string; errors: string[] }> } }> };
    expect(results).toHaveLength(8);
    expect(results[0]).toEqual({ ok: true, data: { recipients: { total: 1, sent: 1, failed: 0 } } });
    expect(results[1]).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(fieldsOf(results[1].error!)).toEqual(['event']);
    expect(results[2]).toMatchObject({ ok: false, error: { code: 'EVENT_NOT_ALLOWED' } });
    expect(results[3]).toEqual({ ok: true, data: { recipients: { total: 3, sent: 2, failed: 1 } } });
    expect(results[4]).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(fieldsOf(results[4].error!)).toEqual(['userId']);
    expect(results[5]).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', details: [{ field: '', errors: ['payload must be an object'] }] } });
    expect(results[6]).toEqual({ ok: true, data: { recipients: { total: 1, sent: 1, failed: 0 } } });
    expect(results[7].error?.details).toEqual([
      { field: 'userId', errors: ['userId must be shorter than or equal to 128 characters'] },
      { field: 'event', errors: ['event must not contain whitespace'] },
    ]);

    await barrier(sut, [a, b], [sa, sb]);
    expect([...seenA].sort()).toEqual(['a-1', 'both']);
    expect(seenB).toEqual(['both']);
    expect(notesB).toEqual([{ n: 1 }]);
    expect(evilA).toEqual([]);
  });

  it('accepts 1 and 500 items; refuses 0, 501, a missing or non-array items, and a non-object body with 400', async () => {
    const u = fresh('bounds');
    const socket = await connect(sut, u);
    const seen = collect<number>(socket, 'message');

    const one = await post(sut, '/internal/emit/batch', { items: [{ userId: u, event: 'message', payload: -1 }] }).expect(200);
    expect(one.body.data.results).toHaveLength(1);
    const items = Array.from({ length: 500 }, (_, i) => ({ userId: u, event: 'message', payload: i }));
    const full = await post(sut, '/internal/emit/batch', { items }).expect(200);
    expect(full.body.data.results).toHaveLength(500);
    expect(full.body.data.results.every((r: { ok: boolean }) => r.ok)).toBe(true);

    for (const body of [{ items: [] }, { items: [...items, items[0]] }, {}, { items: 'x' }, { items: null }]) {
      const res = await post(sut, '/internal/emit/batch', body).expect(400);
      expect(res.body).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
      expect(fieldsOf(res.body.error)).toEqual(['items']);
    }
    const array = await post(sut, '/internal/emit/batch', [items[0]]).expect(400);
    expect(array.body).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });

    await barrier(sut, [u], [socket]);
    expect(seen.filter((p) => typeof p === 'number').sort((x, y) => x - y)).toEqual([-1, ...items.map((i) => i.payload)]);
  });

  it('applies idempotencyKey per item: a key repeated in the batch or a later one emits once and returns the first data; another body with it is 409', async () => {
    const u = fresh('idem');
    const off = fresh('off');
    const socket = await connect(sut, u);
    const seen = collect<string>(socket, 'message');
    const [k1, k2] = [fresh('k1'), fresh('k2')];

    const first = await post(sut, '/internal/emit/batch', {
      items: [
        { userId: u, event: 'message', payload: 'k1-first', idempotencyKey: k1 },
        { userId: u, event: 'message', payload: 'k1-first', idempotencyKey: k1 },
        { userIds: [u, off], event: 'message', payload: 'k2', idempotencyKey: k2 },
        { userId: u, event: 'message', payload: 'k1-other', idempotencyKey: k1 },
      ],
    }).expect(200);
    const data1 = { recipients: { total: 1, sent: 1, failed: 0 } };
    const data2 = { recipients: { total: 2, sent: 1, failed: 1 } };
    const reused = { ok: false, error: expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED' }) };
    expect(first.body.data.results).toEqual([{ ok: true, data: data1 }, { ok: true, data: data1 }, { ok: true, data: data2 }, reused]);
    const again = await post(sut, '/internal/emit/batch', {
      items: [
        { userIds: [u, off], event: 'message', payload: 'k2', idempotencyKey: k2 },
        { userId: u, event: 'message', payload: 'k1-first', idempotencyKey: k1 },
        { userId: u, event: 'message', payload: 'k2-later', idempotencyKey: k2 },
      ],
    }).expect(200);
    expect(again.body.data.results).toEqual([{ ok: true, data: data2 }, { ok: true, data: data1 }, reused]);
    // The single route shares the keys.
    await post(sut, '/internal/emit', { userId: u, event: 'message', payload: 'k1-first', idempotencyKey: k1 }).expect(200);
    await post(sut, '/internal/emit', { userId: u, event: 'message', payload: 'k1-single', idempotencyKey: k1 }).expect(409);

    await barrier(sut, [u], [socket]);
    expect([...seen].sort()).toEqual(['k1-first', 'k2']);
  });

  it('needs the secret (401) and counts in gateway_internal_requests_total', async () => {
    const body = { items: [{ userId: 'u', event: 'message' }] };
    const anonymous = await post(sut, '/internal/emit/batch', body, null).expect(401);
    expect(anonymous.body).toEqual({ ok: false, error: expect.objectContaining({ code: 'UNAUTHORIZED' }) });
    // Unauthenticated bodies are not even validated: still 401, not 400.
    await post(sut, '/internal/emit/batch', { items: [] }, 'wrong').expect(401);
    const before = sumOf(await scrapeMetrics(sut.url), 'gateway_internal_requests_total', { action: 'emit_batch' });
    await post(sut, '/internal/emit/batch', body).expect(200);
    const after = sumOf(await scrapeMetrics(sut.url), 'gateway_internal_requests_total', { action: 'emit_batch' });
    expect(after - before).toBe(1);
  });
});

describe('POST /internal/emit validation (compiled schema)', () => {
  const sut = useApp({}, { closeClients: 'each' });

  it.each<[string, unknown, Array<{ field: string; errors: string[] }>]>([
    ['event missing', { userId: 'u' }, [{ field: 'event', errors: ['event must be a string'] }]],
    ['event a number (no coercion)', { userId: 'u', event: 42 }, [{ field: 'event', errors: ['event must be a string'] }]],
    ['event with whitespace', { userId: 'u', event: 'a b' }, [{ field: 'event', errors: ['event must not contain whitespace'] }]],
    ['userId null (absent is fine, null is not)', { userId: null, event: 'message' }, [{ field: 'userId', errors: ['userId must be a string'] }]],
    ['empty userIds', { userIds: [], event: 'message' }, [{ field: 'userIds', errors: ['userIds must contain at least 1 elements'] }]],
    ['userIds with a number', { userIds: ['a', 7], event: 'message' }, [{ field: 'userIds', errors: ['each value in userIds must be a string'] }]],
    ['room of 257 characters', { room: 'r'.repeat(257), event: 'message' }, [{ field: 'room', errors: ['room must be shorter than or equal to 256 characters'] }]],
    ['empty idempotencyKey', { userId: 'u', event: 'message', idempotencyKey: '' }, [{ field: 'idempotencyKey', errors: ['idempotencyKey must be longer than or equal to 1 characters'] }]],
  ])('%s → 400 VALIDATION_FAILED with field details', async (_label, body, details) => {
    const res = await post(sut, '/internal/emit', body).expect(400);
    expect(res.body).toEqual({ ok: false, error: { code: 'VALIDATION_FAILED', message: 'Payload failed validation', details } });
  });

  it('a payload nested deeper than 16 levels → 400, nothing delivered', async () => {
    const u = fresh('deep');
    const socket = await connect(sut, u);
    const seen = collect<unknown>(socket, 'message');
    let deep: unknown = 'leaf';
    for (let i = 0; i < 20; i++) deep = { d: deep };
    const res = await post(sut, '/internal/emit', { userId: u, event: 'message', payload: deep }).expect(400);
    expect(res.body).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    await barrier(sut, [u], [socket]);
    expect(seen).toEqual([]);
  });

  it('unknown fields are ignored, as with the DTO routes; the payload passes through as is', async () => {
    const u = fresh('extra');
    const socket = await connect(sut, u);
    const got = nextEvent(socket, 'message');
    await post(sut, '/internal/emit', { userId: u, event: 'message', payload: { keep: [1, { x: null }] }, extra: 'ignored' }).expect(200);
    await expect(got).resolves.toEqual({ keep: [1, { x: null }] });
  });
});
