import { Redis } from 'ioredis';
import { type ClientSocket, closeAllClients, collect, connectUser, nextEvent, roundTrip } from '../support/client.js';
import { type TestApp, startApp, uniquePrefix, userToken, useApp, fresh, useApps, redisEnv } from '../support/app.js';
import { internal, push } from '../support/backend.js';

// docs/protocol.md §4.3 (chats and friends) and the §6.1 chat-member and friends routes.

const LONG_ID = 'x'.repeat(129);

// The routes under test, with any body (invalid ones included).
const putMembers = (app: TestApp, chatId: string, body: unknown) => internal(app, 'put', `/chats/${chatId}/members`, body);
const addMembers = (app: TestApp, chatId: string, body: unknown) => internal(app, 'post', `/chats/${chatId}/members`, body);
const removeMember = (app: TestApp, chatId: string, userId: string) => internal(app, 'delete', `/chats/${chatId}/members/${userId}`);
const putFriends = (app: TestApp, userId: string, body: unknown) => internal(app, 'put', `/users/${userId}/friends`, body);

/** Internal emit to a user's or a room's sockets: a delivery path independent of the chat gateway. */
function emitTo(app: TestApp, target: { userId: string } | { room: string }, event: string, payload: unknown) {
  return push(app, { ...target, event, payload });
}

function connect(app: TestApp, userId: string, device = 'd1', extra: Record<string, unknown> = {}): Promise<ClientSocket> {
  // SESSION_POLICY=multi below, so several devices (sessions) of one user coexist.
  return connectUser(app.url, userToken(userId, `s-${userId}-${device}`, extra));
}

function fields(body: { error?: { details?: unknown } }): string[] {
  const details = body.error?.details;
  return Array.isArray(details) ? details.map((d: { field?: string }) => d.field ?? '') : [];
}

const sorted = (xs: string[]) => [...xs].sort();

async function send(socket: ClientSocket, chatId: string, content: string) {
  return socket.timeout(5000).emitWithAck('message:new', { chatId, content, messageType: 'text' });
}

describe('chat members and friends over HTTP (Redis engine)', () => {
  const prefix = uniquePrefix('chats-http');
  let sut: TestApp;
  let redis: Redis;

  beforeAll(async () => {
    sut = await startApp({ ...redisEnv(prefix), SESSION_POLICY: 'multi' });
    redis = new Redis(process.env.TEST_REDIS_URL as string);
  });
  afterAll(async () => {
    closeAllClients();
    redis.disconnect();
    await sut.close();
  });

  it('PUT replaces the members and reports who was added and removed; POST adds only new ones; DELETE removes', async () => {
    const chat = fresh('chat');
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((l) => fresh(l));

    const first = await putMembers(sut, chat, { userIds: [a, b, a] }).expect(200);
    expect(first.body).toEqual({ ok: true, data: { added: expect.any(Array), removed: [] } });
    expect(sorted(first.body.data.added)).toEqual(sorted([a, b]));

    const second = await putMembers(sut, chat, { userIds: [b, c] }).expect(200);
    expect(second.body).toEqual({ ok: true, data: { added: [c], removed: [a] } });

    const added = await addMembers(sut, chat, { userIds: [c, d, d] }).expect(200);
    expect(added.body).toEqual({ ok: true, data: { added: [d] } });

    expect((await removeMember(sut, chat, d).expect(200)).body).toEqual({ ok: true, data: { removed: true } });
    expect((await removeMember(sut, chat, d).expect(200)).body).toEqual({ ok: true, data: { removed: false } });

    // The stored membership is what the gateway enforces: b and c may join, a and d may not.
    for (const [user, allowed] of [[a, false], [b, true], [c, true], [d, false]] as const) {
      const socket = await connect(sut, user);
      const ack = await socket.timeout(5000).emitWithAck('chat:join', { chatId: chat });
      if (allowed) expect(ack).toEqual({ ok: true, data: { chatId: chat } });
      else expect(ack).toEqual({ ok: false, error: expect.objectContaining({ code: 'FORBIDDEN' }) });
      socket.close();
    }

    // An empty list empties the chat.
    const emptied = await putMembers(sut, chat, { userIds: [] }).expect(200);
    expect(sorted(emptied.body.data.removed)).toEqual(sorted([b, c]));
    expect(emptied.body.data.added).toEqual([]);
  });

  it('PUT friends replaces the list, without the user and with duplicates once', async () => {
    const u = fresh('u');
    const [f1, f2] = [fresh('f1'), fresh('f2')];
    const key = `${prefix}:friends:{${u}}`;

    const res = await putFriends(sut, u, { friendIds: [f1, f2, f1, u] }).expect(200);
    expect(res.body).toEqual({ ok: true, data: { friends: 2 } });
    expect(sorted(await redis.smembers(key))).toEqual(sorted([f1, f2]));

    expect((await putFriends(sut, u, { friendIds: [f2] }).expect(200)).body).toEqual({ ok: true, data: { friends: 1 } });
    expect(await redis.smembers(key)).toEqual([f2]);

    expect((await putFriends(sut, u, { friendIds: [] }).expect(200)).body).toEqual({ ok: true, data: { friends: 0 } });
    expect(await redis.smembers(key)).toEqual([]);
  });

  it.each([
    ['userIds not an array', { userIds: 'u1' }],
    ['userIds missing', {}],
    ['an id of 129 characters', { userIds: ['ok', LONG_ID] }],
    ['a non-string id', { userIds: ['ok', 5] }],
    ['an empty id', { userIds: [''] }],
  ])('refuses %s with 400 VALIDATION_FAILED on PUT and POST, changing nothing', async (_label, body) => {
    const chat = fresh('chat');
    const keep = fresh('keep');
    await putMembers(sut, chat, { userIds: [keep] }).expect(200);
    for (const res of [await putMembers(sut, chat, body).expect(400), await addMembers(sut, chat, body).expect(400)]) {
      expect(res.body).toEqual({ ok: false, error: expect.objectContaining({ code: 'VALIDATION_FAILED' }) });
      expect(fields(res.body)).toContain('userIds');
    }
    expect(await redis.smembers(`${prefix}:chat:{${chat}}:members`)).toEqual([keep]);
  });

  it('refuses invalid friend lists with 400 VALIDATION_FAILED', async () => {
    const u = fresh('u');
    for (const body of [{ friendIds: 'f' }, {}, { friendIds: [LONG_ID] }, { friendIds: [7] }]) {
      const res = await putFriends(sut, u, body).expect(400);
      expect(res.body).toEqual({ ok: false, error: expect.objectContaining({ code: 'VALIDATION_FAILED' }) });
      expect(fields(res.body)).toContain('friendIds');
    }
    expect(await redis.exists(`${prefix}:friends:{${u}}`)).toBe(0);
  });

  it('refuses a 129-character id in the path with 400 VALIDATION_FAILED', async () => {
    const validation = { ok: false, error: expect.objectContaining({ code: 'VALIDATION_FAILED' }) };
    expect((await putMembers(sut, LONG_ID, { userIds: ['u'] }).expect(400)).body).toEqual(validation);
    expect((await addMembers(sut, LONG_ID, { userIds: ['u'] }).expect(400)).body).toEqual(validation);
    expect((await removeMember(sut, LONG_ID, 'u').expect(400)).body).toEqual(validation);
    expect((await removeMember(sut, 'c', LONG_ID).expect(400)).body).toEqual(validation);
    expect((await putFriends(sut, LONG_ID, { friendIds: [] }).expect(400)).body).toEqual(validation);
    // 128 characters is still an id.
    await putMembers(sut, 'y'.repeat(128), { userIds: ['u'] }).expect(200);
  });

  it('requires the Bearer secret', async () => {
    const chat = fresh('chat');
    await internal(sut, 'put', `/chats/${chat}/members`, { userIds: ['u'] }, null).expect(401);
    await internal(sut, 'post', `/chats/${chat}/members`, { userIds: ['u'] }, 'nope').expect(401);
    await internal(sut, 'delete', `/chats/${chat}/members/u`, undefined, null).expect(401);
    await internal(sut, 'put', '/users/u/friends', { friendIds: [] }, null).expect(401);
    expect(await redis.exists(`${prefix}:chat:{${chat}}:members`)).toBe(0);
  });
});

describe('chat rooms on one node (Redis engine)', () => {
  const sut = useApp(() => ({ ...redisEnv(uniquePrefix('chats-rooms')), SESSION_POLICY: 'multi' }));

  it('on connect joins chat:{id} for every stored chat and every id of the chats claim, and no other', async () => {
    const u = fresh('u');
    const [stored1, stored2, claimed, foreign] = [fresh('s1'), fresh('s2'), fresh('claim'), fresh('foreign')];
    await putMembers(sut, stored1, { userIds: [u] }).expect(200);
    await addMembers(sut, stored2, { userIds: [u, fresh('other')] }).expect(200);
    await putMembers(sut, foreign, { userIds: [fresh('other')] }).expect(200);

    const socket = await connect(sut, u, 'd1', { chats: [claimed] });
    const seen = collect<{ chat: string }>(socket, 'chat:updated');
    for (const chat of [stored1, foreign, stored2, claimed]) await emitTo(sut, { room: `chat:${chat}` }, 'chat:updated', { chat });
    await roundTrip(socket);
    expect(seen).toEqual([{ chat: stored1 }, { chat: stored2 }, { chat: claimed }]);
  });

  it('a live add joins every socket of the user at once and announces chat:member-joined to the room and the user', async () => {
    const chat = fresh('chat');
    const [m, n] = [fresh('m'), fresh('n')];
    await putMembers(sut, chat, { userIds: [m] }).expect(200);
    const mSock = await connect(sut, m);
    const [n1, n2] = [await connect(sut, n, 'd1'), await connect(sut, n, 'd2')];
    const joinedOnN1 = collect(n1, 'chat:member-joined');
    const events = [mSock, n1, n2].map((s) => nextEvent(s, 'chat:member-joined'));

    expect((await addMembers(sut, chat, { userIds: [m, n] }).expect(200)).body).toEqual({ ok: true, data: { added: [n] } });
    for (const payload of await Promise.all(events)) expect(payload).toEqual({ chatId: chat, userId: n });

    // Both devices now receive the chat's messages without chat:join.
    const got = [n1, n2].map((s) => nextEvent<{ content: string }>(s, 'message:new'));
    expect((await send(mSock, chat, 'welcome')).ok).toBe(true);
    for (const msg of await Promise.all(got)) expect(msg).toMatchObject({ chatId: chat, senderId: m, content: 'welcome' });
    await roundTrip(n1);
    expect(joinedOnN1).toHaveLength(1);
  });

  it('a live add through PUT works the same way', async () => {
    const chat = fresh('chat');
    const [m, n] = [fresh('m'), fresh('n')];
    await putMembers(sut, chat, { userIds: [m] }).expect(200);
    const nSock = await connect(sut, n);
    const joined = nextEvent(nSock, 'chat:member-joined');
    await putMembers(sut, chat, { userIds: [m, n] }).expect(200);
    expect(await joined).toEqual({ chatId: chat, userId: n });
    const mSock = await connect(sut, m);
    const got = nextEvent(nSock, 'message:new');
    await send(mSock, chat, 'hi');
    expect(await got).toMatchObject({ chatId: chat, senderId: m, content: 'hi' });
  });

  it('a live removal announces chat:member-left, takes the user out of the room, and forbids their messages', async () => {
    const chat = fresh('chat');
    const [m, n] = [fresh('m'), fresh('n')];
    await putMembers(sut, chat, { userIds: [m, n] }).expect(200);
    const mSock = await connect(sut, m);
    const [n1, n2] = [await connect(sut, n, 'd1'), await connect(sut, n, 'd2')];
    const leftOnN1 = collect(n1, 'chat:member-left');
    const events = [mSock, n1, n2].map((s) => nextEvent(s, 'chat:member-left'));

    expect((await removeMember(sut, chat, n).expect(200)).body).toEqual({ ok: true, data: { removed: true } });
    for (const payload of await Promise.all(events)) expect(payload).toEqual({ chatId: chat, userId: n });

    const onN = [collect(n1, 'message:new'), collect(n2, 'message:new')];
    const onM = collect(mSock, 'message:new');
    expect((await send(mSock, chat, 'after removal')).ok).toBe(true);
    const refused = await send(n1, chat, 'still here?');
    expect(refused).toEqual({ ok: false, error: expect.objectContaining({ code: 'FORBIDDEN' }) });
    expect((await n2.timeout(5000).emitWithAck('chat:join', { chatId: chat })).error.code).toBe('FORBIDDEN');
    await Promise.all([roundTrip(n1), roundTrip(n2), roundTrip(mSock)]);
    expect(onN).toEqual([[], []]);
    expect(onM).toEqual([]);
    expect(leftOnN1).toHaveLength(1);
  });

  it('a removal through PUT announces chat:member-left to the room and the user', async () => {
    const chat = fresh('chat');
    const [m, n] = [fresh('m'), fresh('n')];
    await putMembers(sut, chat, { userIds: [m, n] }).expect(200);
    const [mSock, nSock] = [await connect(sut, m), await connect(sut, n)];
    const events = [mSock, nSock].map((s) => nextEvent(s, 'chat:member-left'));
    expect((await putMembers(sut, chat, { userIds: [m] }).expect(200)).body).toEqual({ ok: true, data: { added: [], removed: [n] } });
    for (const payload of await Promise.all(events)) expect(payload).toEqual({ chatId: chat, userId: n });
    expect((await send(nSock, chat, 'x')).error.code).toBe('FORBIDDEN');
  });

  it('chat:join acks the chat for members (stored or claimed) and FORBIDDEN otherwise; chat:leave stops the chat reaching that socket', async () => {
    const [chat, other, claimed] = [fresh('chat'), fresh('other'), fresh('claim')];
    const [u, v] = [fresh('u'), fresh('v')];
    await putMembers(sut, chat, { userIds: [u, v] }).expect(200);
    await putMembers(sut, other, { userIds: [v] }).expect(200);
    const uSock = await connect(sut, u, 'd1', { chats: [claimed] });
    const vSock = await connect(sut, v);

    expect(await uSock.timeout(5000).emitWithAck('chat:join', { chatId: chat })).toEqual({ ok: true, data: { chatId: chat } });
    // The claim grants membership for this connection: after leaving, joining again is allowed.
    expect(await uSock.timeout(5000).emitWithAck('chat:leave', { chatId: claimed })).toEqual({ ok: true, data: { chatId: claimed } });
    expect(await uSock.timeout(5000).emitWithAck('chat:join', { chatId: claimed })).toEqual({ ok: true, data: { chatId: claimed } });
    expect(await uSock.timeout(5000).emitWithAck('chat:join', { chatId: other })).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'FORBIDDEN' }),
    });
    expect((await uSock.timeout(5000).emitWithAck('chat:join', { chatId: LONG_ID })).error.code).toBe('VALIDATION_FAILED');
    expect((await uSock.timeout(5000).emitWithAck('chat:join', {})).error.code).toBe('VALIDATION_FAILED');

    // The refused join did not put u in the room.
    const onU = collect<{ content: string }>(uSock, 'message:new');
    await send(vSock, other, 'private');
    await roundTrip(uSock);
    expect(onU).toEqual([]);

    expect(await uSock.timeout(5000).emitWithAck('chat:leave', { chatId: chat })).toEqual({ ok: true, data: { chatId: chat } });
    await send(vSock, chat, 'after leave');
    await roundTrip(uSock);
    expect(onU).toEqual([]);

    // Joining again brings the chat back.
    expect((await uSock.timeout(5000).emitWithAck('chat:join', { chatId: chat })).ok).toBe(true);
    const back = nextEvent<{ content: string }>(uSock, 'message:new');
    await send(vSock, chat, 'welcome back');
    expect((await back).content).toBe('welcome back');
  });

  it('chat:join-multiple joins the allowed chats and lists the refused ones', async () => {
    const [c1, c2, forbidden, claimed] = [fresh('c1'), fresh('c2'), fresh('forbidden'), fresh('claim')];
    const [u, v] = [fresh('u'), fresh('v')];
    await putMembers(sut, c1, { userIds: [u, v] }).expect(200);
    await putMembers(sut, c2, { userIds: [u, v] }).expect(200);
    await putMembers(sut, forbidden, { userIds: [v] }).expect(200);
    const uSock = await connect(sut, u, 'd1', { chats: [claimed] });
    const vSock = await connect(sut, v, 'd1', { chats: [claimed] });
    await uSock.timeout(5000).emitWithAck('chat:leave', { chatId: c2 });
    await uSock.timeout(5000).emitWithAck('chat:leave', { chatId: claimed });

    const ack = await uSock.timeout(5000).emitWithAck('chat:join-multiple', { chatIds: [c1, c2, forbidden, claimed, c2] });
    expect(ack.ok).toBe(true);
    expect(sorted(ack.data.joined)).toEqual(sorted([c1, c2, claimed]));
    expect(ack.data.refused).toEqual([forbidden]);

    const onU = collect<{ chatId: string }>(uSock, 'message:new');
    for (const chat of [c2, forbidden, claimed]) expect((await send(vSock, chat, chat)).ok).toBe(true);
    await roundTrip(uSock);
    expect(onU.map((m) => m.chatId)).toEqual([c2, claimed]);

    for (const chatIds of [[], Array.from({ length: 101 }, (_, i) => `c${i}`), 'c1', [LONG_ID], [3]]) {
      expect((await uSock.timeout(5000).emitWithAck('chat:join-multiple', { chatIds })).error.code).toBe('VALIDATION_FAILED');
    }
    const hundred = await uSock.timeout(5000).emitWithAck('chat:join-multiple', { chatIds: Array.from({ length: 100 }, (_, i) => `${c1}-${i}`) });
    expect(hundred.ok).toBe(true);
    expect(hundred.data.refused).toHaveLength(100);
  });

  it('chat:get-active-members lists only online members, to members only', async () => {
    const chat = fresh('chat');
    const [u, v, w, x] = [fresh('u'), fresh('v'), fresh('w'), fresh('x')];
    await putMembers(sut, chat, { userIds: [u, v, w] }).expect(200);
    const uSock = await connect(sut, u);
    await connect(sut, v, 'd1');
    await connect(sut, v, 'd2');
    const xSock = await connect(sut, x);

    const ack = await uSock.timeout(5000).emitWithAck('chat:get-active-members', { chatId: chat });
    expect(ack.ok).toBe(true);
    expect(Object.keys(ack.data)).toEqual(['members']);
    expect([...ack.data.members].sort((p: { userId: string }, q: { userId: string }) => p.userId.localeCompare(q.userId))).toEqual(
      [
        { userId: u, status: 'online' },
        { userId: v, status: 'online' },
      ].sort((p, q) => p.userId.localeCompare(q.userId)),
    );
    expect(await xSock.timeout(5000).emitWithAck('chat:get-active-members', { chatId: chat })).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'FORBIDDEN' }),
    });
    expect((await uSock.timeout(5000).emitWithAck('chat:get-active-members', { chatId: LONG_ID })).error.code).toBe('VALIDATION_FAILED');
  });
});

describe('chat membership across two nodes (Redis engine)', () => {
  const [a, b] = useApps(2, () => ({ ...redisEnv(uniquePrefix('chats-multi')), SESSION_POLICY: 'multi' }));

  it('a live add on node A joins the user socket on node B', async () => {
    const chat = fresh('chat');
    const [m, n] = [fresh('m'), fresh('n')];
    await putMembers(a, chat, { userIds: [m] }).expect(200);
    const mOnA = await connect(a, m);
    const nOnB = await connect(b, n);
    const joined = [nextEvent(mOnA, 'chat:member-joined'), nextEvent(nOnB, 'chat:member-joined')];
    const joinedOnB = collect(nOnB, 'chat:member-joined');

    await addMembers(a, chat, { userIds: [n] }).expect(200);
    for (const payload of await Promise.all(joined)) expect(payload).toEqual({ chatId: chat, userId: n });

    const got = nextEvent(nOnB, 'message:new');
    expect((await send(mOnA, chat, 'across')).ok).toBe(true);
    expect(await got).toMatchObject({ chatId: chat, senderId: m, content: 'across' });
    // Barrier through the same adapter stream: anything else for n would have arrived by now.
    const barrier = nextEvent(nOnB, 'chat:updated');
    await emitTo(a, { userId: n }, 'chat:updated', 'barrier');
    await barrier;
    expect(joinedOnB).toHaveLength(1);
  });

  it('a removal through node B takes the user socket on node A out of the room', async () => {
    const chat = fresh('chat');
    const [m, n] = [fresh('m'), fresh('n')];
    await putMembers(b, chat, { userIds: [m, n] }).expect(200);
    const nOnA = await connect(a, n);
    const mOnB = await connect(b, m);
    const left = [nextEvent(nOnA, 'chat:member-left'), nextEvent(mOnB, 'chat:member-left')];

    await removeMember(b, chat, n).expect(200);
    for (const payload of await Promise.all(left)) expect(payload).toEqual({ chatId: chat, userId: n });

    const onN = collect(nOnA, 'message:new');
    expect((await send(mOnB, chat, 'not for n')).ok).toBe(true);
    const barrier = nextEvent(nOnA, 'chat:updated');
    await emitTo(b, { userId: n }, 'chat:updated', 'barrier');
    await barrier;
    expect(onN).toEqual([]);
    expect((await send(nOnA, chat, 'x')).error.code).toBe('FORBIDDEN');
  });
});

describe('chat membership with the memory engine', () => {
  const sut = useApp({ SESSION_POLICY: 'multi' });

  it('joins stored chats on connect, follows live adds and removals, and relays messages to members', async () => {
    const chat = fresh('chat');
    const [m, n, o] = [fresh('m'), fresh('n'), fresh('o')];
    expect((await putMembers(sut, chat, { userIds: [m, n] }).expect(200)).body).toEqual({ ok: true, data: { added: [m, n], removed: [] } });
    const [mSock, nSock, oSock] = [await connect(sut, m), await connect(sut, n), await connect(sut, o)];

    const toN = nextEvent(nSock, 'message:new');
    expect((await send(mSock, chat, 'one')).ok).toBe(true);
    expect(await toN).toMatchObject({ chatId: chat, senderId: m, content: 'one' });

    const joined = [mSock, oSock].map((s) => nextEvent(s, 'chat:member-joined'));
    expect((await addMembers(sut, chat, { userIds: [n, o] }).expect(200)).body).toEqual({ ok: true, data: { added: [o] } });
    for (const payload of await Promise.all(joined)) expect(payload).toEqual({ chatId: chat, userId: o });
    const toO = nextEvent(oSock, 'message:new');
    await send(mSock, chat, 'two');
    expect(await toO).toMatchObject({ content: 'two' });

    const left = [mSock, nSock].map((s) => nextEvent(s, 'chat:member-left'));
    expect((await removeMember(sut, chat, n).expect(200)).body).toEqual({ ok: true, data: { removed: true } });
    for (const payload of await Promise.all(left)) expect(payload).toEqual({ chatId: chat, userId: n });
    const onN = collect(nSock, 'message:new');
    await send(mSock, chat, 'three');
    await roundTrip(nSock);
    expect(onN).toEqual([]);
    expect((await send(nSock, chat, 'x')).error.code).toBe('FORBIDDEN');

    expect((await mSock.timeout(5000).emitWithAck('chat:get-active-members', { chatId: chat })).data.members).toHaveLength(2);
  });
});
