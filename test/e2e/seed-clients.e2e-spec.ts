import request from 'supertest';
import { type ClientSocket, type ConnectOptions, collect, createClient, firstOf, nextEvent, roundTrip, type AckBody, errorFields } from '../support/client.js';
import { type TestApp, TEST_INTERNAL_SECRET, signToken, useApp, fresh } from '../support/app.js';
import { scrapeMetrics, sumOf } from '../support/metrics.js';

// docs/protocol.md §9: the original systems' clients, driven with their own calls as the five systems'
// documents write them: aliases, bare ids and payload-less events (docs/migration.md).

const bearer = `Bearer ${TEST_INTERNAL_SECRET}`;

function http(app: TestApp) {
  return request(app.app.getHttpServer());
}

/** Connects with the seed's own options and resolves once the gateway's `connected` arrived. */
async function connectAs(app: TestApp, opts: ConnectOptions): Promise<ClientSocket> {
  const socket = createClient(app.url, opts);
  const { event, payload } = await firstOf<{ message?: string }>(socket, ['connected', 'connect_error']);
  if (event === 'connect_error') throw new Error(`connect_error ${payload.message}`);
  return socket;
}

/** The seed's call shape `socket.emit(event, ...args, callback)`, as a promise of the ack. */
function call<T = unknown>(socket: ClientSocket, event: string, ...args: unknown[]): Promise<AckBody<T>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for ${event}`)), 5000);
    socket.emit(event, ...args, (res: AckBody<T>) => {
      clearTimeout(timer);
      resolve(res);
    });
  });
}

async function pushNotification(app: TestApp, userId: string, id: string): Promise<void> {
  await http(app).post('/internal/notifications').set('Authorization', bearer).send({ userId, notification: { id, type: 'media' } }).expect(200);
}

async function pendingIds(socket: ClientSocket): Promise<string[]> {
  const res = await call<{ notifications: Array<{ id: string }> }>(socket, 'notification:get-pending');
  expect(res.ok).toBe(true);
  return res.data!.notifications.map((n) => n.id);
}

describe('seed clients (docs/protocol.md §9)', () => {
  const sut = useApp({ SESSION_POLICY: 'multi' });

  describe('MediaNest (seed 001)', () => {
    /** frontend/src/lib/socket/client.ts: auth.token, both transports, reconnection. */
    function medianest(token: string): Promise<ClientSocket> {
      return connectAs(sut, { auth: { token }, transports: ['websocket', 'polling'], reconnection: true, reconnectionAttempts: 5, reconnectionDelay: 1000 });
    }

    it("subscribes on connect with payload-less emits, no ack: status:current arrives and nothing errs", async () => {
      const socket = await medianest(signToken({ userId: fresh('mn-sub'), role: 'user' }));
      const errors = collect(socket, 'error');
      const current = nextEvent<{ services: Record<string, unknown> }>(socket, 'status:current');
      socket.emit('subscribe:status');
      socket.emit('subscribe:notifications');
      expect(await current).toEqual({ services: expect.any(Object) });
      await roundTrip(socket);
      expect(errors).toEqual([]);
    });

    it("emit('notification:read', 'n-1') with a bare id marks it read: notification:read:success { id }", async () => {
      const u = fresh('mn-read');
      const socket = await medianest(signToken({ userId: u, role: 'user' }));
      const errors = collect(socket, 'error');
      await pushNotification(sut, u, 'n-1');
      await pushNotification(sut, u, 'n-2');
      const success = nextEvent<{ id: string }>(socket, 'notification:read:success');
      socket.emit('notification:read', 'n-1');
      expect(await success).toEqual({ id: 'n-1' });
      expect(await pendingIds(socket)).toEqual(['n-2']);
      expect(errors).toEqual([]);
    });

    it('a bare id that is not pending emits notification:read:error { id, error } (no ack given)', async () => {
      const socket = await medianest(signToken({ userId: fresh('mn-miss'), role: 'user' }));
      const failure = nextEvent<{ id: string; error: { code: string } }>(socket, 'notification:read:error');
      socket.emit('notification:read', 'never-pushed');
      expect(await failure).toMatchObject({ id: 'never-pushed', error: { code: 'NOT_FOUND' } });
    });

    it('notification:clear takes a bare id too; a bad bare id is VALIDATION_FAILED on id and changes nothing', async () => {
      const u = fresh('mn-clear');
      const socket = await medianest(signToken({ userId: u, role: 'user' }));
      await pushNotification(sut, u, 'c-1');
      await pushNotification(sut, u, 'c-2');
      expect(await call(socket, 'notification:clear', 'c-1')).toEqual({ ok: true, data: { id: 'c-1' } });
      expect(await call(socket, 'notification:clear', 'c-1')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      for (const bad of ['', 'x'.repeat(129)]) {
        for (const event of ['notification:read', 'notification:clear']) {
          const res = await call(socket, event, bad);
          expect(res).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
          expect(errorFields(res)).toContain('id');
        }
      }
      expect(await pendingIds(socket)).toEqual(['c-2']);
    });
  });

  describe('Scarfall (seed 003)', () => {
    async function befriend(a: string, b: string): Promise<void> {
      await http(sut).put(`/internal/users/${a}/friends`).set('Authorization', bearer).send({ friendIds: [b] }).expect(200);
      await http(sut).put(`/internal/users/${b}/friends`).set('Authorization', bearer).send({ friendIds: [a] }).expect(200);
    }

    it("emit('get_all_online_users', cb) without a payload pages over the online users", async () => {
      const [a, b] = [fresh('sf-a'), fresh('sf-b')];
      await befriend(a, b);
      const friend = await connectAs(sut, { auth: { token: signToken({ sub: a }) } });
      const socket = await connectAs(sut, { auth: { token: signToken({ sub: b }) } });
      const res = await call<{ users: string[]; cursor: string }>(socket, 'get_all_online_users');
      expect(res).toEqual({ ok: true, data: { users: expect.any(Array), cursor: expect.any(String) } });
      // A page may be short before the cursor ends: follow it to the end.
      const users = [...res.data!.users];
      for (let cursor = res.data!.cursor; cursor !== '0'; ) {
        const next = await call<{ users: string[]; cursor: string }>(socket, 'get_all_online_users', { cursor });
        users.push(...next.data!.users);
        cursor = next.data!.cursor;
      }
      expect(users).toContain(a);
      friend.close();
    });

    it('get_online_users and get_detailed_online_users answer without a payload', async () => {
      const [a, b] = [fresh('sf-c'), fresh('sf-d')];
      await befriend(a, b);
      await connectAs(sut, { auth: { token: signToken({ sub: a }) } });
      const socket = await connectAs(sut, { auth: { token: signToken({ sub: b }) } });
      expect(await call(socket, 'get_online_users')).toEqual({ ok: true, data: { users: [a] } });
      expect(await call(socket, 'get_detailed_online_users')).toEqual({
        ok: true,
        data: { users: [expect.objectContaining({ userId: a, status: 'online', devices: 1 })] },
      });
    });

    it('every other event without fields acks ok without a payload, and a given payload is still validated', async () => {
      const socket = await connectAs(sut, { auth: { token: signToken({ sub: fresh('sf-admin'), roles: ['admin'] }) } });
      for (const event of ['notification:get-pending', 'notification:clear-all', 'subscribe:notifications', 'subscribe:status', 'unsubscribe:status', 'admin:refresh-status']) {
        expect({ event, res: await call(socket, event) }).toEqual({ event, res: expect.objectContaining({ ok: true }) });
      }
      expect(await call(socket, 'get_all_online_users', { limit: 0 })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
      expect(await call(socket, 'get_all_online_users', 'all')).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
      // Events with required fields still require them.
      expect(await call(socket, 'presence:update')).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    });
  });

  describe('Lettera (seed 002)', () => {
    async function shareChat(chatId: string, userIds: string[]): Promise<void> {
      await http(sut).put(`/internal/chats/${chatId}/members`).set('Authorization', bearer).send({ userIds }).expect(200);
    }

    /** Lettera's client: the token in the handshake query. */
    function lettera(userId: string): Promise<ClientSocket> {
      return connectAs(sut, { query: { token: signToken({ userId }) } });
    }

    it("user:typing / user:stop-typing { chatId } reach the other member as message:typing / message:stop-typing", async () => {
      const [writer, reader, chatId] = [fresh('lt-w'), fresh('lt-r'), fresh('lt-chat')];
      await shareChat(chatId, [writer, reader]);
      const w = await lettera(writer);
      const r = await lettera(reader);
      const echoes = [...collect(w, 'message:typing'), ...collect(w, 'message:stop-typing')];

      const typing = nextEvent(r, 'message:typing');
      w.emit('user:typing', { chatId });
      expect(await typing).toEqual({ chatId, userId: writer });

      const stop = nextEvent(r, 'message:stop-typing');
      w.emit('user:stop-typing', { chatId });
      expect(await stop).toEqual({ chatId, userId: writer });

      // With an ack, the same envelope as message:typing.
      expect(await call(w, 'user:typing', { chatId })).toEqual({ ok: true });
      expect(await call(w, 'user:stop-typing', { chatId })).toEqual({ ok: true });
      await roundTrip(w);
      expect(echoes).toEqual([]);
    });

    it('an alias is a known event in the metrics, not an unknown one', async () => {
      const [u, chatId] = [fresh('lt-metrics'), fresh('lt-chat')];
      await shareChat(chatId, [u]);
      const socket = await lettera(u);
      const before = await scrapeMetrics(sut.url);
      expect(await call(socket, 'user:typing', { chatId })).toEqual({ ok: true });
      const after = await scrapeMetrics(sut.url);
      expect(sumOf(after, 'gateway_unknown_events_total')).toBe(sumOf(before, 'gateway_unknown_events_total'));
      expect(sumOf(after, 'gateway_events_received_total', { event: 'user:typing' })).toBe(sumOf(before, 'gateway_events_received_total', { event: 'user:typing' }) + 1);
    });

    it('the aliases keep the membership check and validation of the events they stand for', async () => {
      const [member, outsider, chatId] = [fresh('lt-m'), fresh('lt-o'), fresh('lt-chat')];
      await shareChat(chatId, [member]);
      const m = await lettera(member);
      const heard = collect(m, 'message:typing');
      const o = await lettera(outsider);
      expect(await call(o, 'user:typing', { chatId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(await call(o, 'user:stop-typing', { chatId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(await call(m, 'user:typing', {})).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
      await roundTrip(m);
      expect(heard).toEqual([]);
    });
  });
});

describe('seed aliases share the rate limit of the event they stand for (docs/protocol.md §4.9)', () => {
  const sut = useApp({ RATE_LIMITS: '{"message:typing":[2,60000]}' });

  it('user:typing counts against message:typing', async () => {
    const [u, chatId] = [fresh('rl'), fresh('rl-chat')];
    await http(sut).put(`/internal/chats/${chatId}/members`).set('Authorization', bearer).send({ userIds: [u] }).expect(200);
    const socket = await connectAs(sut, { auth: { token: signToken({ sub: u }) } });
    expect(await call(socket, 'message:typing', { chatId })).toEqual({ ok: true });
    expect(await call(socket, 'user:typing', { chatId })).toEqual({ ok: true });
    expect(await call(socket, 'user:typing', { chatId })).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    expect(await call(socket, 'message:typing', { chatId })).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
  });
});

describe('/internal keeps its own shapes', () => {
  const KEY = 'scarfall-demo-key-0123456789';
  const sut = useApp(() => ({ CUSTOM_SERVICES: JSON.stringify({ demo: { key: KEY, type: 'demo_service', description: 'Demo', enabled: true } }) }));

  it("a service's get_online_users without userIds is refused, not read as the user event's empty payload", async () => {
    const socket = createClient(`${sut.url}/internal`, { auth: { serviceName: 'demo', serviceKey: KEY } });
    await nextEvent(socket, 'authenticated');
    const res = await call(socket, 'get_online_users');
    expect(res).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    const online = await call<{ users: unknown[] }>(socket, 'get_online_users', { userIds: ['nobody'] });
    expect(online).toEqual({ ok: true, data: { users: [expect.objectContaining({ userId: 'nobody', status: 'offline' })] } });
  });
});
