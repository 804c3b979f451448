import request from 'supertest';
import type { Env } from '../../src/config/load-config.js';
import type { StoredNotification } from '../../src/engine/notification.store.js';
import { NotificationService } from '../../src/notification/notification.service.js';
import { type ClientSocket, closeAllClients, collect, connectUser, nextEvent, roundTrip, ack, errorFields } from '../support/client.js';
import { eventually } from '../support/eventually.js';
import { type TestApp, TEST_INTERNAL_SECRET, redisEnv, startApp, uniquePrefix, userToken, useApp, fresh, useApps } from '../support/app.js';

// docs/protocol.md §4.6 (notifications), §4.9 (rate limits apply to them) and §6.1 POST /internal/notifications.

/** What clients receive as `notification:new` and in get-pending. */
type Notification = StoredNotification;

/** `secret: null` sends no Authorization header. */
function post(app: TestApp, body: unknown, secret: string | null = TEST_INTERNAL_SECRET) {
  const req = request(app.app.getHttpServer()).post('/internal/notifications');
  if (secret !== null) req.set('Authorization', `Bearer ${secret}`);
  return req.send(body as object);
}

/** Pushes one notification over HTTP and returns the response data (asserting 200). */
async function push(app: TestApp, target: { userId?: string; userIds?: string[] }, notification: Partial<Notification> & { type: string }) {
  const res = await post(app, { ...target, notification }).expect(200);
  expect(res.body.ok).toBe(true);
  return res.body.data as { id: string; recipients: { total: number; sent: number; failed: number } };
}

function connect(app: TestApp, userId: string, sessionId = `s-${userId}`): Promise<ClientSocket> {
  return connectUser(app.url, userToken(userId, sessionId));
}

async function pendingIds(socket: ClientSocket): Promise<string[]> {
  const res = await ack<{ notifications: Notification[] }>(socket, 'notification:get-pending');
  expect(res.ok).toBe(true);
  return res.data!.notifications.map((n) => n.id);
}

/** Resolves once `socket` received the notification `id` (earlier ones may arrive first). */
async function notificationArrives(socket: ClientSocket, id: string): Promise<void> {
  for (;;) if ((await nextEvent<Notification>(socket, 'notification:new')).id === id) return;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

describe('POST /internal/notifications: authentication and validation', () => {
  const sut = useApp();

  it('refuses a missing or wrong Bearer secret with 401 and delivers and stores nothing', async () => {
    const u = fresh('unauth');
    const socket = await connect(sut, u);
    const seen = collect(socket, 'notification:new');
    const body = { userId: u, notification: { id: 'n-unauth', type: 'x' } };
    const none = await post(sut, body, null).expect(401);
    expect(none.body).toEqual({ ok: false, error: expect.objectContaining({ code: 'UNAUTHORIZED' }) });
    const wrong = await post(sut, body, `${TEST_INTERNAL_SECRET}-wrong`).expect(401);
    expect(wrong.body).toEqual({ ok: false, error: expect.objectContaining({ code: 'UNAUTHORIZED' }) });
    await roundTrip(socket);
    expect(seen).toEqual([]);
    expect(await pendingIds(socket)).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ['both userId and userIds', { userId: 'a', userIds: ['b'], notification: { type: 't' } }, 'userId'],
    ['neither userId nor userIds', { notification: { type: 't' } }, 'userId'],
    ['missing notification', { userId: 'a' }, 'notification'],
    ['missing notification.type', { userId: 'a', notification: { title: 'no type' } }, 'notification.type'],
    ['notification.type not a string', { userId: 'a', notification: { type: 5 } }, 'notification.type'],
    ['notification.data a string', { userId: 'a', notification: { type: 't', data: 'text' } }, 'notification.data'],
    ['notification.data an array', { userId: 'a', notification: { type: 't', data: [1, 2] } }, 'notification.data'],
    ['notification.data null', { userId: 'a', notification: { type: 't', data: null } }, 'notification.data'],
    ['notification.title null', { userId: 'a', notification: { type: 't', title: null } }, 'notification.title'],
    ['notification.body a number', { userId: 'a', notification: { type: 't', body: 3 } }, 'notification.body'],
    ['userId null (not a target)', { userId: null, notification: { type: 't' } }, 'userId'],
    ['empty userIds', { userIds: [], notification: { type: 't' } }, 'userIds'],
  ])('%s → 400 VALIDATION_FAILED naming the field', async (_name, body, field) => {
    const res = await post(sut, body).expect(400);
    expect(res.body).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(errorFields(res.body)).toContain(field);
  });

  it('a refused body neither stores nor emits anything for the target', async () => {
    const u = fresh('refused');
    const socket = await connect(sut, u);
    const seen = collect(socket, 'notification:new');
    await post(sut, { userId: u, userIds: [u], notification: { id: 'both', type: 't' } }).expect(400);
    await post(sut, { userId: u, notification: { id: 'bad-data', type: 't', data: 'x' } }).expect(400);
    await roundTrip(socket);
    expect(seen).toEqual([]);
    expect(await pendingIds(socket)).toEqual([]);
  });
});

describe.each<[string, () => Env]>([
  ['memory', () => ({})],
  ['redis', () => redisEnv(uniquePrefix('notif'))],
])('notifications on the %s engine (docs/protocol.md §4.6)', (_engine, engineEnv) => {
  let sut: TestApp;
  let capped: TestApp;
  let shortLived: TestApp;

  beforeAll(async () => {
    [sut, capped, shortLived] = await Promise.all([
      startApp(engineEnv()),
      startApp({ ...engineEnv(), NOTIFICATIONS_MAX_PENDING: '3' }),
      startApp({ ...engineEnv(), NOTIFICATIONS_TTL: '1' }),
    ]);
  });
  afterAll(async () => {
    closeAllClients();
    await Promise.all([sut?.close(), capped?.close(), shortLived?.close()]);
  });
  afterEach(() => closeAllClients());

  it('delivers notification:new with the exact shape to every socket of the user and stores it as pending', async () => {
    const u = fresh('push');
    const [s1, s2] = [await connect(sut, u), await connect(sut, u)];
    const got = [nextEvent<Notification>(s1, 'notification:new'), nextEvent<Notification>(s2, 'notification:new')];
    const before = Date.now();
    const data = await push(sut, { userId: u }, { id: 'n-full', type: 'friend_request', title: 'Hello', body: 'Ann wants to be friends', data: { from: 'ann', n: [1, { deep: true }] } });
    expect(data).toEqual({ id: 'n-full', recipients: { total: 1, sent: 1, failed: 0 } });

    const [a, b] = await Promise.all(got);
    const expected = { id: 'n-full', type: 'friend_request', title: 'Hello', body: 'Ann wants to be friends', data: { from: 'ann', n: [1, { deep: true }] }, createdAt: expect.stringMatching(ISO) };
    expect(a).toEqual(expected);
    expect(b).toEqual(a);
    expect(Date.parse(a.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(a.createdAt)).toBeLessThanOrEqual(Date.now() + 1000);

    const pending = await ack<{ notifications: Notification[] }>(s2, 'notification:get-pending');
    expect(pending).toEqual({ ok: true, data: { notifications: [a] } });
  });

  it('generates an id when none is given and leaves out absent optional fields', async () => {
    const u = fresh('minimal');
    const socket = await connect(sut, u);
    const got = nextEvent<Notification>(socket, 'notification:new');
    const data = await push(sut, { userId: u }, { type: 'ping' });
    expect(data.id).toEqual(expect.any(String));
    expect(data.id.length).toBeGreaterThan(0);
    expect(await got).toEqual({ id: data.id, type: 'ping', createdAt: expect.stringMatching(ISO) });

    const other = await push(sut, { userId: u }, { type: 'ping' });
    expect(other.id).not.toBe(data.id);
  });

  it('stores for offline targets too: counts sent/failed and the offline user finds it pending on connect', async () => {
    const [online, offline] = [fresh('on'), fresh('off')];
    const socket = await connect(sut, online);
    const seen = collect<Notification>(socket, 'notification:new');
    const data = await push(sut, { userIds: [online, offline, online] }, { id: 'n-many', type: 'broadcast' });
    expect(data).toEqual({ id: 'n-many', recipients: { total: 2, sent: 1, failed: 1 } });

    const late = await connect(sut, offline);
    const pending = await ack<{ notifications: Notification[] }>(late, 'notification:get-pending');
    expect(pending.data!.notifications).toEqual([{ id: 'n-many', type: 'broadcast', createdAt: expect.stringMatching(ISO) }]);
    expect(await pendingIds(socket)).toEqual(['n-many']);
    // Duplicate ids in userIds deliver once.
    await roundTrip(socket);
    expect(seen.map((n) => n.id)).toEqual(['n-many']);
  });

  it('lists pending newest first and keeps only the newest NOTIFICATIONS_MAX_PENDING', async () => {
    const u = fresh('cap');
    const socket = await connect(capped, u);
    // Ids sort against their push order, so an order by id instead of by time shows up.
    const ids = ['n-e', 'n-d', 'n-c', 'n-b', 'n-a'];
    for (const [i, id] of ids.entries()) {
      await push(capped, { userId: u }, { id, type: 'seq', data: { i } });
      if (i === 1) expect(await pendingIds(socket)).toEqual(['n-d', 'n-e']);
    }
    const pending = await ack<{ notifications: Notification[] }>(socket, 'notification:get-pending');
    expect(pending.data!.notifications.map((n) => [n.id, n.data])).toEqual([
      ['n-a', { i: 4 }],
      ['n-b', { i: 3 }],
      ['n-c', { i: 2 }],
    ]);
    // The dropped ones are gone for good: reading one is NOT_FOUND.
    const gone = await ack(socket, 'notification:read', { id: 'n-e' });
    expect(gone).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    // The cap is per user.
    const other = fresh('cap-other');
    await push(capped, { userId: other }, { id: 'n-other', type: 'seq' });
    expect(await pendingIds(socket)).toEqual(['n-a', 'n-b', 'n-c']);
  });

  it('keeps push order for a burst of notifications stored within the same millisecond', async () => {
    // A backend firing notifications back to back: the stores see them in order, usually in
    // one clock millisecond. Newest first must still mean last pushed, and the cap must drop the oldest.
    const u = fresh('burst');
    const socket = await connect(capped, u);
    const service = capped.app.get(NotificationService);
    const ids = ['b-z', 'b-y', 'b-x', 'b-w', 'b-v'];
    await Promise.all(ids.map((id) => service.push({ userId: u }, { id, type: 'burst' })));
    expect(await pendingIds(socket)).toEqual(['b-v', 'b-w', 'b-x']);
  });

  it('notification:read acks { id }, removes it, tells every socket of the user; a second read is NOT_FOUND', async () => {
    const [u, stranger] = [fresh('read'), fresh('stranger')];
    const [s1, s2] = [await connect(sut, u), await connect(sut, u)];
    const strangerSocket = await connect(sut, stranger);
    const strangerSeen = collect(strangerSocket, 'notification:read:success');
    await push(sut, { userId: u }, { id: 'r-1', type: 't' });
    await push(sut, { userId: u }, { id: 'r-2', type: 't' });
    await push(sut, { userId: stranger }, { id: 'r-1', type: 't' });

    const success = [nextEvent(s1, 'notification:read:success'), nextEvent(s2, 'notification:read:success')];
    expect(await ack(s1, 'notification:read', { id: 'r-1' })).toEqual({ ok: true, data: { id: 'r-1' } });
    expect(await Promise.all(success)).toEqual([{ id: 'r-1' }, { id: 'r-1' }]);
    expect(await pendingIds(s2)).toEqual(['r-2']);

    expect(await ack(s2, 'notification:read', { id: 'r-1' })).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: expect.any(String) } });
    // Another user's notification with the same id is untouched and nobody told them anything.
    await roundTrip(strangerSocket);
    expect(strangerSeen).toEqual([]);
    expect(await pendingIds(strangerSocket)).toEqual(['r-1']);
  });

  it('notification:read of an unknown id without an ack emits notification:read:error and error', async () => {
    const u = fresh('read-err');
    const socket = await connect(sut, u);
    const successes = collect(socket, 'notification:read:success');
    const readError = nextEvent(socket, 'notification:read:error');
    const error = nextEvent(socket, 'error');
    socket.emit('notification:read', { id: 'nope' });
    expect(await readError).toEqual({ id: 'nope', error: { code: 'NOT_FOUND', message: expect.any(String) } });
    expect(await error).toEqual({ code: 'NOT_FOUND', message: expect.any(String) });
    await roundTrip(socket);
    expect(successes).toEqual([]);
  });

  it('notification:read with an ack for an unknown id emits no notification:read:error', async () => {
    const socket = await connect(sut, fresh('read-ack'));
    const readErrors = collect(socket, 'notification:read:error');
    const errors = collect(socket, 'error');
    expect(await ack(socket, 'notification:read', { id: 'nope' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    await roundTrip(socket);
    expect(readErrors).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('notification:read and notification:clear validate { id }', async () => {
    const socket = await connect(sut, fresh('read-invalid'));
    for (const event of ['notification:read', 'notification:clear']) {
      for (const payload of [{}, { id: '' }, { id: 7 }, { id: 'x'.repeat(129) }]) {
        const res = await ack(socket, event, payload);
        expect(res).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
        expect(errorFields(res)).toContain('id');
      }
    }
  });

  it('notification:clear removes one without a read:success; unknown ids are NOT_FOUND', async () => {
    const u = fresh('clear');
    const socket = await connect(sut, u);
    const successes = collect(socket, 'notification:read:success');
    await push(sut, { userId: u }, { id: 'c-1', type: 't' });
    await push(sut, { userId: u }, { id: 'c-2', type: 't' });
    expect(await ack(socket, 'notification:clear', { id: 'c-1' })).toEqual({ ok: true, data: { id: 'c-1' } });
    expect(await pendingIds(socket)).toEqual(['c-2']);
    expect(await ack(socket, 'notification:clear', { id: 'c-1' })).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: expect.any(String) } });
    expect(await ack(socket, 'notification:clear', { id: 'never' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    await roundTrip(socket);
    expect(successes).toEqual([]);
  });

  it('notification:clear-all acks { cleared: n } and empties the list of that user only', async () => {
    const [u, other] = [fresh('clear-all'), fresh('clear-all-other')];
    const socket = await connect(sut, u);
    const otherSocket = await connect(sut, other);
    for (const id of ['a', 'b', 'c']) await push(sut, { userId: u }, { id, type: 't' });
    await push(sut, { userId: other }, { id: 'keep', type: 't' });

    expect(await ack(socket, 'notification:clear-all')).toEqual({ ok: true, data: { cleared: 3 } });
    expect(await pendingIds(socket)).toEqual([]);
    expect(await ack(socket, 'notification:clear-all')).toEqual({ ok: true, data: { cleared: 0 } });
    expect(await pendingIds(otherSocket)).toEqual(['keep']);

    // The list works again afterwards.
    await push(sut, { userId: u }, { id: 'd', type: 't' });
    expect(await pendingIds(socket)).toEqual(['d']);
  });

  it('subscribe:notifications acks ok; notifications reach the user with or without it', async () => {
    const u = fresh('subscribe');
    const socket = await connect(sut, u);
    const res = await ack(socket, 'subscribe:notifications');
    expect(res.ok).toBe(true);
    expect(res.error).toBeUndefined();
    const got = nextEvent<Notification>(socket, 'notification:new');
    await push(sut, { userId: u }, { id: 'after-subscribe', type: 't' });
    expect((await got).id).toBe('after-subscribe');
  });

  it('forgets notifications after NOTIFICATIONS_TTL seconds', async () => {
    const u = fresh('ttl');
    const socket = await connect(shortLived, u);
    await push(shortLived, { userId: u }, { id: 'short', type: 't' });
    expect(await pendingIds(socket)).toEqual(['short']);
    const started = Date.now();
    await eventually('the pending list to expire', () => pendingIds(socket), (ids) => ids.length === 0, { timeoutMs: 4000, intervalMs: 100 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    // A fresh one after expiry is stored again.
    await push(shortLived, { userId: u }, { id: 'later', type: 't' });
    expect(await pendingIds(socket)).toEqual(['later']);
  });
});

describe('notifications across two nodes (redis engine)', () => {
  const [a, b] = useApps(2, () => redisEnv(uniquePrefix('notif-2n')), { closeClients: 'each' });

  it('a push on A reaches the user’s sockets on A and B exactly once, and both nodes list it', async () => {
    const u = fresh('x-push');
    const onA = await connect(a, u);
    const onB = await connect(b, u);
    const seenA = collect<Notification>(onA, 'notification:new');
    const seenB = collect<Notification>(onB, 'notification:new');

    const data = await push(a, { userId: u }, { id: 'x-1', type: 't', title: 'one' });
    expect(data).toEqual({ id: 'x-1', recipients: { total: 1, sent: 1, failed: 0 } });

    // Barrier: a second push from B arrives after any duplicate of the first.
    const barrier = [notificationArrives(onA, 'x-barrier'), notificationArrives(onB, 'x-barrier')];
    await push(b, { userId: u }, { id: 'x-barrier', type: 't' });
    await Promise.all(barrier);
    expect(seenA.map((n) => n.id)).toEqual(['x-1', 'x-barrier']);
    expect(seenB.map((n) => n.id)).toEqual(['x-1', 'x-barrier']);
    expect(seenA[0]).toEqual(seenB[0]);

    expect(await pendingIds(onA)).toEqual(['x-barrier', 'x-1']);
    expect(await pendingIds(onB)).toEqual(['x-barrier', 'x-1']);
  });

  it('a push counts a user online on the other node as sent', async () => {
    const u = fresh('x-count');
    const onB = await connect(b, u);
    const got = nextEvent<Notification>(onB, 'notification:new');
    expect(await push(a, { userId: u }, { id: 'x-c', type: 't' })).toEqual({ id: 'x-c', recipients: { total: 1, sent: 1, failed: 0 } });
    expect((await got).id).toBe('x-c');
  });

  it('notification:read on B tells the socket on A, and A’s pending list reflects it', async () => {
    const u = fresh('x-read');
    const onA = await connect(a, u);
    const onB = await connect(b, u);
    const successesA = collect(onA, 'notification:read:success');
    await push(a, { userId: u }, { id: 'xr-1', type: 't' });
    await push(a, { userId: u }, { id: 'xr-2', type: 't' });

    const onASuccess = nextEvent(onA, 'notification:read:success');
    const onBSuccess = nextEvent(onB, 'notification:read:success');
    expect(await ack(onB, 'notification:read', { id: 'xr-1' })).toEqual({ ok: true, data: { id: 'xr-1' } });
    expect(await onASuccess).toEqual({ id: 'xr-1' });
    expect(await onBSuccess).toEqual({ id: 'xr-1' });
    expect(await pendingIds(onA)).toEqual(['xr-2']);

    // A read of the same id from A now fails: the store is shared.
    expect(await ack(onA, 'notification:read', { id: 'xr-1' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    await roundTrip(onA);
    expect(successesA).toEqual([{ id: 'xr-1' }]);
  });

  it('clear-all on A empties the list seen from B', async () => {
    const u = fresh('x-clear');
    const onA = await connect(a, u);
    const onB = await connect(b, u);
    await push(b, { userId: u }, { id: 'xc-1', type: 't' });
    await push(b, { userId: u }, { id: 'xc-2', type: 't' });
    expect(await ack(onA, 'notification:clear-all')).toEqual({ ok: true, data: { cleared: 2 } });
    expect(await pendingIds(onB)).toEqual([]);
  });
});

describe('rate limits apply to notification events (docs/protocol.md §4.9)', () => {
  const sut = useApp(() => ({ ...redisEnv(uniquePrefix('notif-rl')), RATE_LIMITS: '{"notification:get-pending":[2,60000],"notification:read":[1,60000]}' }));

  it('drops events over the limit with RATE_LIMITED and retryAfterMs, per event', async () => {
    const u = fresh('rl');
    const socket = await connect(sut, u);
    await push(sut, { userId: u }, { id: 'rl-1', type: 't' });
    await push(sut, { userId: u }, { id: 'rl-2', type: 't' });

    expect((await ack(socket, 'notification:get-pending')).ok).toBe(true);
    expect((await ack(socket, 'notification:get-pending')).ok).toBe(true);
    const refused = await ack(socket, 'notification:get-pending');
    expect(refused).toEqual({ ok: false, error: { code: 'RATE_LIMITED', message: expect.any(String), details: { retryAfterMs: expect.any(Number) } } });

    const successes = collect(socket, 'notification:read:success');
    const first = nextEvent(socket, 'notification:read:success');
    expect(await ack(socket, 'notification:read', { id: 'rl-1' })).toEqual({ ok: true, data: { id: 'rl-1' } });
    await first;
    expect(await ack(socket, 'notification:read', { id: 'rl-2' })).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    // The dropped read had no effect: rl-2 is still pending (clear is its own budget).
    expect(await ack(socket, 'notification:clear', { id: 'rl-2' })).toEqual({ ok: true, data: { id: 'rl-2' } });
    await roundTrip(socket);
    expect(successes).toEqual([{ id: 'rl-1' }]);
  });
});
