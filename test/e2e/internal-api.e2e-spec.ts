import request from 'supertest';
import { type ClientSocket, closeAllClients, collect, connectUser, nextEvent, roundTrip } from '../support/client.js';
import { type TestApp, TEST_INTERNAL_SECRET, redisEnv, startApp, uniquePrefix, userToken, useApp, fresh } from '../support/app.js';

// docs/protocol.md §6.1, first three routes: POST /internal/emit, /internal/force-logout, /internal/kick.

const ROUTES = ['/internal/emit', '/internal/force-logout', '/internal/kick'];

function http(app: TestApp) {
  return request(app.app.getHttpServer());
}

function post(app: TestApp, path: string, body: unknown, secret = TEST_INTERNAL_SECRET) {
  return http(app).post(path).set('Authorization', `Bearer ${secret}`).send(body as object);
}

async function connect(app: TestApp, userId: string): Promise<ClientSocket> {
  return connectUser(app.url, userToken(userId, `s-${userId}`));
}

/** The `field` names listed in a VALIDATION_FAILED body's details. */
function fields(body: { error?: { details?: unknown } }): string[] {
  const details = body.error?.details;
  return Array.isArray(details) ? details.map((d: { field?: string }) => d.field ?? '') : [];
}

describe('internal API authentication', () => {
  const apps: TestApp[] = [];
  const boot = async (env: Record<string, string> = {}) => {
    const app = await startApp(env);
    apps.push(app);
    return app;
  };
  let sut: TestApp;

  beforeAll(async () => {
    sut = await boot();
  });
  afterAll(async () => {
    closeAllClients();
    await Promise.all(apps.map((a) => a.close()));
  });

  const unauthorized = { ok: false, error: expect.objectContaining({ code: 'UNAUTHORIZED' }) };

  it.each(ROUTES)('%s refuses a missing header, a wrong secret and the Basic scheme with 401', async (route) => {
    const body = { userId: 'u', sessionId: 's', event: 'message', payload: 1 };
    const none = await http(sut).post(route).send(body).expect(401);
    expect(none.body).toEqual(unauthorized);
    const wrong = await post(sut, route, body, `${TEST_INTERNAL_SECRET}x`).expect(401);
    expect(wrong.body).toEqual(unauthorized);
    const basic = await http(sut)
      .post(route)
      .set('Authorization', `Basic ${Buffer.from(`svc:${TEST_INTERNAL_SECRET}`).toString('base64')}`)
      .send(body)
      .expect(401);
    expect(basic.body).toEqual(unauthorized);
    const bareSecret = await http(sut).post(route).set('Authorization', TEST_INTERNAL_SECRET).send(body).expect(401);
    expect(bareSecret.body).toEqual(unauthorized);
  });

  it('accepts the right secret on every route', async () => {
    const u = fresh('auth');
    await expect(post(sut, '/internal/emit', { userId: u, event: 'message' })).resolves.toMatchObject({
      status: 200,
      body: { ok: true, data: { recipients: { total: 1, sent: 0, failed: 1 } } },
    });
    await expect(post(sut, '/internal/force-logout', { userId: u, sessionId: 's' })).resolves.toMatchObject({
      status: 200,
      body: { ok: true },
    });
    await expect(post(sut, '/internal/kick', { userId: u })).resolves.toMatchObject({ status: 200, body: { ok: true } });
  });

  it('falls back to AUTH_TOKEN when INTERNAL_SECRET is unset', async () => {
    const app = await boot({ INTERNAL_SECRET: '', AUTH_TOKEN: 'auth-token-fallback-1' });
    const body = { userId: fresh('fb'), event: 'message' };
    await post(app, '/internal/emit', body, 'auth-token-fallback-1').expect(200);
    await post(app, '/internal/emit', body, TEST_INTERNAL_SECRET).expect(401);
  });

  it('falls back to SECRET_KEY when INTERNAL_SECRET and AUTH_TOKEN are unset; AUTH_TOKEN wins over it', async () => {
    const app = await boot({ INTERNAL_SECRET: '', SECRET_KEY: 'secret-key-fallback-1' });
    const body = { userId: fresh('fb'), event: 'message' };
    await post(app, '/internal/emit', body, 'secret-key-fallback-1').expect(200);
    await post(app, '/internal/emit', body, TEST_INTERNAL_SECRET).expect(401);

    const both = await boot({ INTERNAL_SECRET: '', AUTH_TOKEN: 'auth-token-fallback-2', SECRET_KEY: 'secret-key-fallback-2' });
    await post(both, '/internal/emit', body, 'auth-token-fallback-2').expect(200);
    await post(both, '/internal/emit', body, 'secret-key-fallback-2').expect(401);
  });

  it('without any internal secret (JWT_SECRET set) every /internal route is 404', async () => {
    const app = await boot({ INTERNAL_SECRET: '', AUTH_TOKEN: '', SECRET_KEY: '' });
    expect(app.config.internalSecret).toBeUndefined();
    const notFound = { ok: false, error: expect.objectContaining({ code: 'NOT_FOUND' }) };
    for (const route of ROUTES) {
      const anonymous = await http(app).post(route).send({ userId: 'u', sessionId: 's', event: 'message' }).expect(404);
      expect(anonymous.body).toEqual(notFound);
      const withOldSecret = await post(app, route, { userId: 'u', sessionId: 's', event: 'message' }).expect(404);
      expect(withOldSecret.body).toEqual(notFound);
    }
    // The routes really are gone, not merely guarded: nothing was delivered.
    const u = fresh('no-secret');
    const socket = await connect(app, u);
    const seen = collect(socket, 'message');
    await post(app, '/internal/emit', { userId: u, event: 'message', payload: 'x' }).expect(404);
    await post(app, '/internal/kick', { userId: u }).expect(404);
    await roundTrip(socket);
    expect(seen).toEqual([]);
    expect(socket.connected).toBe(true);
  });
});

describe('internal API validation', () => {
  const sut = useApp();

  it.each<[string, unknown, string]>([
    ['missing event', { userId: 'u' }, 'event'],
    ['event not a string', { userId: 'u', event: 42 }, 'event'],
    ['userId of 129 characters', { userId: 'x'.repeat(129), event: 'message' }, 'userId'],
    ['empty userIds', { userIds: [], event: 'message' }, 'userIds'],
    ['userIds with a non-string', { userIds: ['a', 7], event: 'message' }, 'userIds'],
    ['two targets (userId + room)', { userId: 'u', room: 'user:u', event: 'message' }, 'userId'],
    ['no target', { event: 'message' }, 'userId'],
  ])('emit: %s → 400 VALIDATION_FAILED naming the field', async (_name, body, field) => {
    const res = await post(sut, '/internal/emit', body).expect(400);
    expect(res.body).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(fields(res.body)).toContain(field);
  });

  it('emit: a malformed JSON body → 400 VALIDATION_FAILED; a text/plain body → 415', async () => {
    const malformed = await http(sut)
      .post('/internal/emit')
      .set('Authorization', `Bearer ${TEST_INTERNAL_SECRET}`)
      .set('Content-Type', 'application/json')
      .send('{"userId": "u", "event": ')
      .expect(400);
    expect(malformed.body).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });

    const text = await http(sut)
      .post('/internal/emit')
      .set('Authorization', `Bearer ${TEST_INTERNAL_SECRET}`)
      .set('Content-Type', 'text/plain')
      .send('userId=u&event=message')
      .expect(415);
    expect(text.body).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  });

  it('emit: a JSON array body → 400 VALIDATION_FAILED with details', async () => {
    const res = await post(sut, '/internal/emit', [{ userId: 'u', event: 'message' }]).expect(400);
    expect(res.body).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(Array.isArray(res.body.error.details)).toBe(true);
  });

  it('emit: a body over 1 MiB → 413 PAYLOAD_TOO_LARGE, and the gateway keeps serving', async () => {
    const res = await post(sut, '/internal/emit', { userId: 'u', event: 'message', payload: 'x'.repeat(1024 * 1024 + 16) }).expect(413);
    expect(res.body).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
    await post(sut, '/internal/emit', { userId: 'u', event: 'message', payload: 'small' }).expect(200);
  });

  it('an over-long id in the path and a malformed URL → 400 VALIDATION_FAILED in the API shape', async () => {
    const long = await post(sut, `/internal/chats/${'x'.repeat(400)}/members`, { userIds: ['a'] }).expect(400);
    expect(long.body).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', details: [{ field: 'path' }] } });
    const malformed = await post(sut, '/internal/chats/%zz/members', { userIds: ['a'] }).expect(400);
    expect(malformed.body).toEqual({ ok: false, error: { code: 'VALIDATION_FAILED', message: 'Malformed URL' } });
  });

  it('force-logout without sessionId → 400 naming sessionId', async () => {
    const res = await post(sut, '/internal/force-logout', { userId: 'u' }).expect(400);
    expect(res.body).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(fields(res.body)).toContain('sessionId');
  });

  it("kick with invalidateSession 'yes' (a string) → 400 naming invalidateSession, and nobody is kicked", async () => {
    const u = fresh('kick-invalid');
    const socket = await connect(sut, u);
    const logouts = collect(socket, 'auth:logout');
    const res = await post(sut, '/internal/kick', { userId: u, invalidateSession: 'yes' }).expect(400);
    expect(res.body).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(fields(res.body)).toContain('invalidateSession');
    // Barrier: an allowed emit on the same path arrives after anything the bad request could have sent.
    const barrier = nextEvent(socket, 'message');
    await post(sut, '/internal/emit', { userId: u, event: 'message', payload: 'barrier' }).expect(200);
    await expect(barrier).resolves.toBe('barrier');
    expect(logouts).toEqual([]);
    expect(socket.connected).toBe(true);
  });
});

describe('internal API event allowlist (EMIT_ALLOWED_EVENTS=notification:*,message)', () => {
  const sut = useApp({ EMIT_ALLOWED_EVENTS: 'notification:*,message' });

  it('delivers allowed names and prefixes, refuses others with 403 EVENT_NOT_ALLOWED and delivers nothing', async () => {
    const u = fresh('allow');
    const socket = await connect(sut, u);
    const refusedSeen = [collect(socket, 'message:new'), collect(socket, 'evil')];

    const note = nextEvent(socket, 'notification:new');
    await post(sut, '/internal/emit', { userId: u, event: 'notification:new', payload: { n: 1 } }).expect(200);
    await expect(note).resolves.toEqual({ n: 1 });

    for (const event of ['message:new', 'evil']) {
      const res = await post(sut, '/internal/emit', { userId: u, event, payload: { n: 2 } }).expect(403);
      expect(res.body).toMatchObject({ ok: false, error: { code: 'EVENT_NOT_ALLOWED' } });
    }

    const barrier = nextEvent(socket, 'message');
    await post(sut, '/internal/emit', { userId: u, event: 'message', payload: 'barrier' }).expect(200);
    await expect(barrier).resolves.toBe('barrier');
    expect(refusedSeen).toEqual([[], []]);
  });
});

describe('internal API emit targets across two nodes (redis engine)', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    const env = redisEnv(uniquePrefix('internal-api'));
    a = await startApp(env);
    b = await startApp(env);
  });
  afterAll(async () => {
    closeAllClients();
    await Promise.all([a?.close(), b?.close()]);
  });
  afterEach(() => closeAllClients());

  /** Emits `barrier` to `userIds` and waits until every socket received it: all earlier emits have arrived. */
  async function barrier(from: TestApp, userIds: string[], sockets: ClientSocket[]): Promise<void> {
    const arrived = sockets.map((s) => nextEvent(s, 'message'));
    await post(from, '/internal/emit', { userIds, event: 'message', payload: 'barrier' }).expect(200);
    await expect(Promise.all(arrived)).resolves.toEqual(sockets.map(() => 'barrier'));
  }

  it('userId reaches the user on the other node', async () => {
    const u = fresh('one');
    const socket = await connect(b, u);
    const got = nextEvent(socket, 'notification:new');
    const res = await post(a, '/internal/emit', { userId: u, event: 'notification:new', payload: { hi: 1 } }).expect(200);
    expect(res.body).toEqual({ ok: true, data: { recipients: { total: 1, sent: 1, failed: 0 } } });
    await expect(got).resolves.toEqual({ hi: 1 });
  });

  it('userIds counts online users on both nodes and the offline one; each online user receives it once', async () => {
    const [onA, onB, offline] = [fresh('ua'), fresh('ub'), fresh('off')];
    const sa = await connect(a, onA);
    const sb = await connect(b, onB);
    const seenA = collect(sa, 'notification:new');
    const seenB = collect(sb, 'notification:new');

    const res = await post(a, '/internal/emit', { userIds: [onA, onB, offline], event: 'notification:new', payload: { n: 1 } }).expect(200);
    expect(res.body).toEqual({ ok: true, data: { recipients: { total: 3, sent: 2, failed: 1 } } });

    await barrier(a, [onA, onB], [sa, sb]);
    expect(seenA).toEqual([{ n: 1 }]);
    expect(seenB).toEqual([{ n: 1 }]);
  });

  it('duplicate ids in userIds count once and deliver once', async () => {
    const [u1, u2] = [fresh('dup1'), fresh('dup2')];
    const s1 = await connect(a, u1);
    const s2 = await connect(b, u2);
    const seen1 = collect(s1, 'notification:new');
    const seen2 = collect(s2, 'notification:new');

    const res = await post(b, '/internal/emit', { userIds: [u1, u1, u2, u1], event: 'notification:new', payload: 'd' }).expect(200);
    expect(res.body).toEqual({ ok: true, data: { recipients: { total: 2, sent: 2, failed: 0 } } });

    await barrier(b, [u1, u2], [s1, s2]);
    expect(seen1).toEqual(['d']);
    expect(seen2).toEqual(['d']);
  });

  it('a user with one socket on each node receives a userIds emit exactly once per socket', async () => {
    const [u, other] = [fresh('two-nodes'), fresh('other')];
    const onA = await connect(a, u);
    const onB = await connect(b, u);
    const otherSocket = await connect(a, other);
    const seen = [collect(onA, 'notification:new'), collect(onB, 'notification:new'), collect(otherSocket, 'notification:new')];

    const res = await post(a, '/internal/emit', { userIds: [u, other], event: 'notification:new', payload: { x: 1 } }).expect(200);
    expect(res.body).toEqual({ ok: true, data: { recipients: { total: 2, sent: 2, failed: 0 } } });

    await barrier(b, [u, other], [onA, onB, otherSocket]);
    expect(seen).toEqual([[{ x: 1 }], [{ x: 1 }], [{ x: 1 }]]);
  });

  it('room reaches the sockets in that room only and echoes the room', async () => {
    const [bob, eve] = [fresh('bob'), fresh('eve')];
    const bobSocket = await connect(b, bob);
    const eveSocket = await connect(a, eve);
    const eveSeen = collect(eveSocket, 'notification:new');
    const got = nextEvent(bobSocket, 'notification:new');

    const res = await post(a, '/internal/emit', { room: `user:${bob}`, event: 'notification:new', payload: 'to-room' }).expect(200);
    expect(res.body).toEqual({ ok: true, data: { room: `user:${bob}` } });
    await expect(got).resolves.toBe('to-room');

    await barrier(a, [eve], [eveSocket]);
    expect(eveSeen).toEqual([]);
  });

  it('a repeated idempotencyKey returns the first data and emits nothing; a new key emits again', async () => {
    const u = fresh('idem');
    const socket = await connect(b, u);
    const seen = collect(socket, 'notification:new');
    const key = fresh('key');
    const body = { userId: u, event: 'notification:new', payload: { once: true }, idempotencyKey: key };

    const first = await post(a, '/internal/emit', body).expect(200);
    expect(first.body).toEqual({ ok: true, data: { recipients: { total: 1, sent: 1, failed: 0 } } });
    // The retry goes to the other node: the key is shared through Redis.
    const second = await post(b, '/internal/emit', body).expect(200);
    expect(second.body).toEqual(first.body);
    await barrier(a, [u], [socket]);
    expect(seen).toEqual([{ once: true }]);

    const third = await post(a, '/internal/emit', { ...body, payload: { again: true }, idempotencyKey: fresh('key') }).expect(200);
    expect(third.body).toEqual(first.body);
    await barrier(a, [u], [socket]);
    expect(seen).toEqual([{ once: true }, { again: true }]);
  });

  it('a repeated idempotencyKey whose first call reached nobody still returns the first data', async () => {
    const u = fresh('idem-off');
    const key = fresh('key');
    const first = await post(a, '/internal/emit', { userId: u, event: 'message', idempotencyKey: key }).expect(200);
    expect(first.body).toEqual({ ok: true, data: { recipients: { total: 1, sent: 0, failed: 1 } } });

    // Now online: the retry must not deliver and must repeat the first answer.
    const socket = await connect(b, u);
    const seen = collect(socket, 'message');
    const second = await post(b, '/internal/emit', { userId: u, event: 'message', idempotencyKey: key }).expect(200);
    expect(second.body).toEqual(first.body);
    const arrived = nextEvent(socket, 'notification:new');
    await post(a, '/internal/emit', { userId: u, event: 'notification:new', payload: 'barrier' }).expect(200);
    await expect(arrived).resolves.toBe('barrier');
    expect(seen).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, unknown]>([
    ['an object', { payload: { a: 1, nested: { list: [1, 'two', null], flag: false } } }, { a: 1, nested: { list: [1, 'two', null], flag: false } }],
    ['an array', { payload: [1, { b: 2 }, 'three', [4]] }, [1, { b: 2 }, 'three', [4]]],
    ['a string', { payload: 'just text' }, 'just text'],
    ['an empty string', { payload: '' }, ''],
    ['a number', { payload: 42.5 }, 42.5],
    ['zero', { payload: 0 }, 0],
    ['false', { payload: false }, false],
    ['null', { payload: null }, null],
    ['absent (null)', {}, null],
  ])('payload %s passes through unchanged across nodes', async (_name, extra, expected) => {
    const u = fresh('payload');
    const socket = await connect(b, u);
    const got = nextEvent(socket, 'notification:new');
    await post(a, '/internal/emit', { userId: u, event: 'notification:new', ...extra }).expect(200);
    await expect(got).resolves.toEqual(expected);
  });
});
