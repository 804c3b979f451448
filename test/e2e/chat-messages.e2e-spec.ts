import { Redis } from 'ioredis';
import request from 'supertest';
import { type ClientSocket, ack, closeAllClients, connectUser, nextMatching, roundTrip } from '../support/client.js';
import { eventually } from '../support/eventually.js';
import { type TestApp, TEST_INTERNAL_SECRET, fresh, startApp, uniquePrefix, userToken, useApp, useApps, redisEnv } from '../support/app.js';
import type { NewMessageAck } from '../../src/socket/events.js';

// docs/protocol.md §4.4 (chat messages) and the chat rows of §4.9 (rate limits).

const TYPING_TIMEOUT_MS = 500;

/** The ack data of message:new. */
type Sent = NewMessageAck;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function putMembers(app: TestApp, chatId: string, userIds: string[]): Promise<void> {
  await request(app.app.getHttpServer())
    .put(`/internal/chats/${chatId}/members`)
    .set('Authorization', `Bearer ${TEST_INTERNAL_SECRET}`)
    .send({ userIds })
    .expect(200);
}

function connect(app: TestApp, userId: string, device = 'd1'): Promise<ClientSocket> {
  // SESSION_POLICY=multi: several devices (sessions) of one user coexist.
  return connectUser(app.url, userToken(userId, `s-${userId}-${device}`));
}

function text(chatId: string, content: string, extra: Record<string, unknown> = {}) {
  return { chatId, content, messageType: 'text', ...extra };
}

/** Only the events of one chat (events of other tests' chats never count). */
function collectChat<T = Record<string, unknown>>(socket: ClientSocket, event: string, chatId: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T & { chatId?: string }) => {
    if (payload?.chatId === chatId) seen.push(payload);
  });
  return seen;
}

/** Resolves with the next `event` of `chatId` on `socket`. */
function nextOf<T = Record<string, unknown>>(socket: ClientSocket, event: string, chatId: string, timeoutMs = 5000): Promise<T> {
  return nextMatching<T & { chatId?: string }>(socket, event, (payload) => payload?.chatId === chatId, timeoutMs);
}

const validationFailed = { ok: false, error: expect.objectContaining({ code: 'VALIDATION_FAILED' }) };
const forbidden = { ok: false, error: expect.objectContaining({ code: 'FORBIDDEN' }) };

describe('chat messages on one node (Redis engine)', () => {
  const sut = useApp(() => ({ ...redisEnv(uniquePrefix('chat-msg')), SESSION_POLICY: 'multi', TYPING_TIMEOUT_MS: String(TYPING_TIMEOUT_MS) }));

  /** A chat of a sender with two devices and a recipient with one. */
  async function room() {
    const chat = fresh('chat');
    const [s, r] = [fresh('s'), fresh('r')];
    await putMembers(sut, chat, [s, r]);
    const [s1, s2, r1] = [await connect(sut, s, 'd1'), await connect(sut, s, 'd2'), await connect(sut, r)];
    return { chat, s, r, s1, s2, r1 };
  }

  describe('message:new', () => {
    it('acks { messageId, tempId, timestamp } and relays to every other socket in the room, the sender\'s other device included', async () => {
      const { chat, s, s1, s2, r1 } = await room();
      const onS1 = collectChat<{ content: string }>(s1, 'message:new', chat);
      const received = [nextOf(r1, 'message:new', chat), nextOf(s2, 'message:new', chat)];
      const metadata = { width: 640, nested: { tags: ['a', 'b'] } };

      const res = await ack<Sent>(s1, 'message:new', text(chat, 'hello', { replyToId: 'm-0', metadata, tempId: 'tmp-1' }));
      expect(res).toEqual({ ok: true, data: { messageId: expect.any(String), tempId: 'tmp-1', timestamp: expect.stringMatching(ISO) } });
      const { messageId, timestamp } = res.data!;
      for (const message of await Promise.all(received)) {
        expect(message).toEqual({
          messageId,
          chatId: chat,
          senderId: s,
          content: 'hello',
          messageType: 'text',
          replyToId: 'm-0',
          metadata,
          tempId: 'tmp-1',
          timestamp,
        });
      }

      // Barrier on the same path: a later message reaches s1, so the first would have too.
      const reply = nextOf<{ content: string }>(s1, 'message:new', chat);
      expect((await ack(r1, 'message:new', text(chat, 'reply'))).ok).toBe(true);
      expect((await reply).content).toBe('reply');
      expect(onS1.map((m) => m.content)).toEqual(['reply']);
    });

    it('relays encryptedContent, omits absent optional fields, and gives every message its own id', async () => {
      const { chat, s, s1, r1 } = await room();
      const got = nextOf(r1, 'message:new', chat);
      const res = await ack<Sent>(s1, 'message:new', { chatId: chat, encryptedContent: 'b64:AAAA', messageType: 'voice' });
      expect(res).toEqual({ ok: true, data: { messageId: expect.any(String), timestamp: expect.stringMatching(ISO) } });
      expect(await got).toEqual({
        messageId: res.data!.messageId,
        chatId: chat,
        senderId: s,
        encryptedContent: 'b64:AAAA',
        messageType: 'voice',
        timestamp: res.data!.timestamp,
      });

      const ids = new Set<string>([res.data!.messageId]);
      for (const messageType of ['text', 'image', 'video', 'audio', 'file', 'voice']) {
        const next = nextOf<{ messageType: string; messageId: string }>(r1, 'message:new', chat);
        const sent = await ack<Sent>(s1, 'message:new', text(chat, messageType, { messageType }));
        expect(sent.ok).toBe(true);
        expect(await next).toMatchObject({ messageType, messageId: sent.data!.messageId });
        ids.add(sent.data!.messageId);
      }
      expect(ids.size).toBe(7);
    });

    it('refuses both or neither content field, a bad messageType and other malformed payloads with VALIDATION_FAILED; nothing is relayed', async () => {
      const { chat, s1, s2, r1 } = await room();
      const seen = [collectChat(r1, 'message:new', chat), collectChat(s2, 'message:new', chat)];
      const bad = [
        { chatId: chat, content: 'a', encryptedContent: 'b', messageType: 'text' },
        { chatId: chat, messageType: 'text' },
        text(chat, 'x', { messageType: 'sticker' }),
        { chatId: chat, content: 'x' },
        { content: 'x', messageType: 'text' },
        text(chat, 'x', { chatId: 'c'.repeat(129) }),
        text(chat, 'x', { content: 42 }),
        text(chat, 'x', { metadata: [1, 2] }),
        text(chat, 'x', { tempId: '' }),
        'not an object',
      ];
      for (const payload of bad) expect(await ack<Sent>(s1, 'message:new', payload)).toEqual(validationFailed);
      const both = await ack<Sent>(s1, 'message:new', bad[0]);
      expect(both.error?.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'content' })]));
      const type = await ack<Sent>(s1, 'message:new', bad[2]);
      expect(type.error?.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'messageType' })]));

      const barriers = [nextOf(r1, 'message:new', chat), nextOf(s2, 'message:new', chat)];
      expect((await ack<Sent>(s1, 'message:new', text(chat, 'valid'))).ok).toBe(true);
      await Promise.all(barriers);
      for (const list of seen) expect(list.map((m) => (m as { content?: string }).content)).toEqual(['valid']);
    });

    it('refuses a non-member with FORBIDDEN and relays nothing', async () => {
      const { chat, s1, s2, r1 } = await room();
      const outsider = await connect(sut, fresh('x'));
      const seen = [collectChat(r1, 'message:new', chat), collectChat(s2, 'message:new', chat)];
      expect(await ack(outsider, 'message:new', text(chat, 'intrusion'))).toEqual(forbidden);

      const barriers = [nextOf(r1, 'message:new', chat), nextOf(s2, 'message:new', chat)];
      expect((await ack<Sent>(s1, 'message:new', text(chat, 'member'))).ok).toBe(true);
      await Promise.all(barriers);
      for (const list of seen) expect(list.map((m) => (m as { content?: string }).content)).toEqual(['member']);
      // ...and the refused attempt did not put the outsider in the room either.
      const onOutsider = collectChat(outsider, 'message:new', chat);
      await ack<Sent>(s1, 'message:new', text(chat, 'again'));
      await roundTrip(outsider);
      expect(onOutsider).toEqual([]);
    });
  });

  describe.each(['message:delivered', 'message:read'])('%s', (event) => {
    it('reaches the whole room, sender included, with userId and timestamp; the ack data is the same object', async () => {
      const { chat, r, s1, s2, r1 } = await room();
      const everywhere = [s1, s2, r1].map((sock) => nextOf(sock, event, chat));
      const res = await ack(r1, event, { chatId: chat, messageIds: ['m1', 'm2'] });
      expect(res).toEqual({
        ok: true,
        data: { chatId: chat, messageIds: ['m1', 'm2'], userId: r, timestamp: expect.stringMatching(ISO) },
      });
      for (const payload of await Promise.all(everywhere)) expect(payload).toEqual(res.data);
    });

    it('validates messageIds (1..500) and refuses non-members', async () => {
      const { chat, s1, r1 } = await room();
      const seen = collectChat(r1, event, chat);
      for (const messageIds of [[], Array.from({ length: 501 }, (_, i) => `m${i}`), 'm1', [''], [7], undefined]) {
        expect(await ack(s1, event, { chatId: chat, messageIds })).toEqual(validationFailed);
      }
      const outsider = await connect(sut, fresh('x'));
      expect(await ack(outsider, event, { chatId: chat, messageIds: ['m1'] })).toEqual(forbidden);

      const max = Array.from({ length: 500 }, (_, i) => `m${i}`);
      const barrier = nextOf<{ messageIds: string[] }>(r1, event, chat);
      expect((await ack(s1, event, { chatId: chat, messageIds: max })).ok).toBe(true);
      expect((await barrier).messageIds).toEqual(max);
      expect(seen).toHaveLength(1);
    });
  });

  describe('message:typing / message:stop-typing', () => {
    it('reach the room except every socket of the typing user', async () => {
      const { chat, s, r, s1, s2, r1 } = await room();
      const onS = [collectChat(s1, 'message:typing', chat), collectChat(s2, 'message:typing', chat)];
      const offS = [collectChat(s1, 'message:stop-typing', chat), collectChat(s2, 'message:stop-typing', chat)];

      const typing = nextOf(r1, 'message:typing', chat);
      expect(await ack(s1, 'message:typing', { chatId: chat })).toEqual({ ok: true });
      expect(await typing).toEqual({ chatId: chat, userId: s });

      const stop = nextOf(r1, 'message:stop-typing', chat);
      expect(await ack(s1, 'message:stop-typing', { chatId: chat })).toEqual({ ok: true });
      expect(await stop).toEqual({ chatId: chat, userId: s });

      // Barrier: r's own typing then stop reach both of s's devices, after anything of s's would have.
      const rTyping = [s1, s2].map((sock) => nextOf(sock, 'message:typing', chat));
      const rStop = [s1, s2].map((sock) => nextOf(sock, 'message:stop-typing', chat));
      await ack(r1, 'message:typing', { chatId: chat });
      await ack(r1, 'message:stop-typing', { chatId: chat });
      for (const payload of await Promise.all([...rTyping, ...rStop])) expect(payload).toEqual({ chatId: chat, userId: r });
      // Only r's state reached s's devices (a slow run may add r's own server-sent stop; never one of s's).
      for (const list of onS) expect(list).toEqual([{ chatId: chat, userId: r }]);
      for (const list of offS) {
        expect(list.length).toBeGreaterThanOrEqual(1);
        expect(list.filter((p) => (p as { userId?: string }).userId !== r)).toEqual([]);
      }
    });

    it('refuses non-members and invalid payloads', async () => {
      const { chat } = await room();
      const outsider = await connect(sut, fresh('x'));
      expect(await ack(outsider, 'message:typing', { chatId: chat })).toEqual(forbidden);
      expect(await ack(outsider, 'message:stop-typing', { chatId: chat })).toEqual(forbidden);
      expect(await ack(outsider, 'message:typing', {})).toEqual(validationFailed);
    });

    it('ends a typing state not refreshed within TYPING_TIMEOUT_MS with a server-sent message:stop-typing', async () => {
      const { chat, s, s2, s1, r1 } = await room();
      const onS2 = collectChat(s2, 'message:stop-typing', chat);
      const started = Date.now();
      const stop = nextOf(r1, 'message:stop-typing', chat, 3000);
      await ack(s1, 'message:typing', { chatId: chat });
      expect(await stop).toEqual({ chatId: chat, userId: s });
      expect(Date.now() - started).toBeGreaterThanOrEqual(TYPING_TIMEOUT_MS - 50);
      await roundTrip(s2);
      expect(onS2).toEqual([]);
    });

    it('a refreshed typing state still ends with one server-sent stop (the postponement itself: typing-tracker.spec.ts)', async () => {
      const { chat, s, s1, r1 } = await room();
      const stops = collectChat(r1, 'message:stop-typing', chat);
      await ack(s1, 'message:typing', { chatId: chat });
      await ack(s1, 'message:typing', { chatId: chat });
      const refreshed = Date.now();
      expect(await nextOf(r1, 'message:stop-typing', chat, 3000)).toEqual({ chatId: chat, userId: s });
      expect(Date.now() - refreshed).toBeGreaterThanOrEqual(TYPING_TIMEOUT_MS - 50);
      await roundTrip(r1);
      expect(stops).toHaveLength(1);
    });

    it('sending message:new ends typing at once', async () => {
      const { chat, s, s1, r1 } = await room();
      const order: string[] = [];
      r1.on('message:new', (m: { chatId: string }) => m.chatId === chat && order.push('message:new'));
      r1.on('message:stop-typing', (m: { chatId: string }) => m.chatId === chat && order.push('message:stop-typing'));
      const typing = nextOf(r1, 'message:typing', chat);
      await ack(s1, 'message:typing', { chatId: chat });
      await typing;
      const stop = nextOf(r1, 'message:stop-typing', chat, 3000);
      const second = nextMatching<{ content?: string }>(r1, 'message:new', (m) => m.content === 'and another');
      expect((await ack<Sent>(s1, 'message:new', text(chat, 'done typing'))).ok).toBe(true);
      // At once, not at the timeout: the stop comes before a message sent right after the first.
      expect((await ack<Sent>(s1, 'message:new', text(chat, 'and another'))).ok).toBe(true);
      expect(await stop).toEqual({ chatId: chat, userId: s });
      await second;
      expect(order).toEqual(['message:new', 'message:stop-typing', 'message:new']);
    });
  });

  describe.each(['reaction:new', 'reaction:remove'])('%s', (event) => {
    it('reaches the room with userId and timestamp; the ack data is the same object', async () => {
      const { chat, s, s1, s2, r1 } = await room();
      const everywhere = [s1, s2, r1].map((sock) => nextOf(sock, event, chat));
      const res = await ack(s1, event, { chatId: chat, messageId: 'm-1', reaction: '👍' });
      expect(res).toEqual({
        ok: true,
        data: { chatId: chat, messageId: 'm-1', reaction: '👍', userId: s, timestamp: expect.stringMatching(ISO) },
      });
      for (const payload of await Promise.all(everywhere)) expect(payload).toEqual(res.data);
    });

    it('validates the reaction (1..32 characters) and refuses non-members', async () => {
      const { chat, s1, r1 } = await room();
      const seen = collectChat(r1, event, chat);
      for (const reaction of ['', 'r'.repeat(33), 5, undefined]) {
        expect(await ack(s1, event, { chatId: chat, messageId: 'm-1', reaction })).toEqual(validationFailed);
      }
      expect(await ack(s1, event, { chatId: chat, reaction: 'x' })).toEqual(validationFailed);
      const outsider = await connect(sut, fresh('x'));
      expect(await ack(outsider, event, { chatId: chat, messageId: 'm-1', reaction: 'x' })).toEqual(forbidden);

      const barrier = nextOf<{ reaction: string }>(r1, event, chat);
      expect((await ack(s1, event, { chatId: chat, messageId: 'm-1', reaction: 'r'.repeat(32) })).ok).toBe(true);
      expect((await barrier).reaction).toBe('r'.repeat(32));
      expect(seen).toHaveLength(1);
    });
  });
});

type StreamEntry = [id: string, fields: string[]];

function fieldsOf(entry: StreamEntry): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < entry[1].length; i += 2) out[entry[1][i]] = entry[1][i + 1];
  return out;
}

describe('the inbound stream (Redis engine)', () => {
  const prefix = uniquePrefix('chat-inbound');
  const stream = `${prefix}:inbound`;
  let sut: TestApp;
  let redis: Redis;

  beforeAll(async () => {
    sut = await startApp({ ...redisEnv(prefix), SESSION_POLICY: 'multi' });
    redis = new Redis(process.env.TEST_REDIS_URL as string);
    await redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
  });
  afterAll(async () => {
    closeAllClients();
    await redis.quit();
    await sut.close();
  });

  async function readGroup(count: number): Promise<StreamEntry[]> {
    const entries: StreamEntry[] = [];
    const deadline = Date.now() + 5000;
    while (entries.length < count && Date.now() < deadline) {
      const res = (await redis.xreadgroup('GROUP', 'g', 'consumer-1', 'COUNT', 100, 'BLOCK', 500, 'STREAMS', stream, '>')) as
        | [string, StreamEntry[]][]
        | null;
      if (res) entries.push(...res[0][1]);
    }
    return entries;
  }

  it('appends every accepted message:new, receipt and reaction, and nothing refused, for a consumer group to read', async () => {
    const chat = fresh('chat');
    const [s, r, x] = [fresh('s'), fresh('r'), fresh('x')];
    await putMembers(sut, chat, [s, r]);
    const [sSock, rSock, outsider] = [await connect(sut, s), await connect(sut, r), await connect(sut, x)];

    // Refused first: had they been appended, they would come before the accepted ones.
    expect(await ack(outsider, 'message:new', text(chat, 'no'))).toEqual(forbidden);
    expect(await ack(outsider, 'reaction:new', { chatId: chat, messageId: 'm', reaction: 'x' })).toEqual(forbidden);
    expect(await ack<Sent>(sSock, 'message:new', { chatId: chat, messageType: 'text' })).toEqual(validationFailed);
    expect(await ack(sSock, 'message:read', { chatId: chat, messageIds: [] })).toEqual(validationFailed);
    // Typing and membership events are not chat data.
    await ack(sSock, 'message:typing', { chatId: chat });
    await ack(sSock, 'chat:join', { chatId: chat });

    const relayed = nextOf(rSock, 'message:new', chat);
    const message = await ack<Sent>(sSock, 'message:new', text(chat, 'persist me', { tempId: 't-1', metadata: { k: 'v' } }));
    const delivered = await ack(rSock, 'message:delivered', { chatId: chat, messageIds: [message.data!.messageId] });
    const read = await ack(rSock, 'message:read', { chatId: chat, messageIds: [message.data!.messageId] });
    const reactionNew = await ack(rSock, 'reaction:new', { chatId: chat, messageId: message.data!.messageId, reaction: '🎉' });
    const reactionRemove = await ack(rSock, 'reaction:remove', { chatId: chat, messageId: message.data!.messageId, reaction: '🎉' });

    const entries = await readGroup(5);
    const got = entries.map(fieldsOf);
    expect(got.map((f) => Object.keys(f).sort())).toEqual(Array(5).fill(['data', 'event', 'userId']));
    expect(got.map((f) => [f.event, f.userId])).toEqual([
      ['message:new', s],
      ['message:delivered', r],
      ['message:read', r],
      ['reaction:new', r],
      ['reaction:remove', r],
    ]);
    expect(JSON.parse(got[0].data)).toEqual(await relayed);
    expect(JSON.parse(got[1].data)).toEqual(delivered.data);
    expect(JSON.parse(got[2].data)).toEqual(read.data);
    expect(JSON.parse(got[3].data)).toEqual(reactionNew.data);
    expect(JSON.parse(got[4].data)).toEqual(reactionRemove.data);

    // The group tracks them: acknowledged, nothing is pending.
    expect(await redis.xack(stream, 'g', ...entries.map((e) => e[0]))).toBe(5);
    expect(((await redis.xpending(stream, 'g')) as [number])[0]).toBe(0);
    expect(await redis.xlen(stream)).toBe(5);
  });
});

describe('message:new rate limit (docs/protocol.md §4.9)', () => {
  const prefix = uniquePrefix('chat-rl');
  let sut: TestApp;
  let redis: Redis;

  beforeAll(async () => {
    sut = await startApp({ ...redisEnv(prefix), SESSION_POLICY: 'multi', RATE_LIMITS: '{"message:new":[2,60000]}' });
    redis = new Redis(process.env.TEST_REDIS_URL as string);
  });
  afterAll(async () => {
    closeAllClients();
    await redis.quit();
    await sut.close();
  });

  it('acks the third message:new of a user RATE_LIMITED with retryAfterMs, on any of their sockets, and drops it', async () => {
    const chat = fresh('chat');
    const [s, r] = [fresh('s'), fresh('r')];
    await putMembers(sut, chat, [s, r]);
    const [s1, s2, r1] = [await connect(sut, s, 'd1'), await connect(sut, s, 'd2'), await connect(sut, r)];
    const onR = collectChat<{ content: string }>(r1, 'message:new', chat);

    expect((await ack<Sent>(s1, 'message:new', text(chat, 'one'))).ok).toBe(true);
    expect((await ack(s2, 'message:new', text(chat, 'two'))).ok).toBe(true);
    const refused = await ack<Sent>(s1, 'message:new', text(chat, 'three'));
    expect(refused).toEqual({ ok: false, error: { code: 'RATE_LIMITED', message: expect.any(String), details: { retryAfterMs: expect.any(Number) } } });
    const { retryAfterMs } = refused.error?.details as { retryAfterMs: number };
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(60_000);
    expect((await ack(s2, 'message:new', text(chat, 'four'))).error?.code).toBe('RATE_LIMITED');

    // Other events of the same user keep their own budget; this receipt is also the barrier:
    // it reaches r (and the stream) after anything of s's refused messages would have.
    const barrier = nextOf(r1, 'message:read', chat);
    expect((await ack(s1, 'message:read', { chatId: chat, messageIds: ['m'] })).ok).toBe(true);
    await barrier;
    expect(onR.map((m) => m.content)).toEqual(['one', 'two']);

    const entries = await eventually(
      'the receipt in the inbound stream',
      async () => ((await redis.xrange(`${prefix}:inbound`, '-', '+')) as StreamEntry[]).map(fieldsOf),
      (list) => list.some((f) => f.event === 'message:read' && f.userId === s),
    );
    expect(entries.filter((f) => f.event === 'message:new' && f.userId === s).map((f) => JSON.parse(f.data).content)).toEqual(['one', 'two']);
  });
});

describe('chat messages across two nodes (Redis engine)', () => {
  const [a, b] = useApps(2, () => ({ ...redisEnv(uniquePrefix('chat-msg-multi')), SESSION_POLICY: 'multi', TYPING_TIMEOUT_MS: String(TYPING_TIMEOUT_MS) }));

  it('relays each message exactly once to members on both nodes, the sender\'s device on the other node included', async () => {
    const chat = fresh('chat');
    const [u, v, w] = [fresh('u'), fresh('v'), fresh('w')];
    await putMembers(a, chat, [u, v, w]);
    const uOnA = await connect(a, u, 'd1');
    const uOnB = await connect(b, u, 'd2');
    const vOnB = await connect(b, v);
    const wOnA = await connect(a, w);
    const targets = [uOnB, vOnB, wOnA];
    const seen = targets.map((sock) => collectChat<{ content: string }>(sock, 'message:new', chat));
    const onSender = collectChat(uOnA, 'message:new', chat);

    const first = targets.map((sock) => nextOf<{ content: string }>(sock, 'message:new', chat));
    expect((await ack(uOnA, 'message:new', text(chat, 'first'))).ok).toBe(true);
    for (const msg of await Promise.all(first)) expect(msg.content).toBe('first');
    // Barrier: a second message, awaited everywhere; a duplicate of the first would have come before it.
    const barrier = targets.map((sock) => nextOf<{ content: string }>(sock, 'message:new', chat));
    expect((await ack(uOnA, 'message:new', text(chat, 'second'))).ok).toBe(true);
    for (const msg of await Promise.all(barrier)) expect(msg.content).toBe('second');
    for (const list of seen) expect(list.map((m) => m.content)).toEqual(['first', 'second']);
    expect(onSender).toEqual([]);

    // A receipt from node B reaches the sender on node A, once.
    const receipts = collectChat(uOnA, 'message:read', chat);
    const read = nextOf(uOnA, 'message:read', chat);
    const res = await ack(vOnB, 'message:read', { chatId: chat, messageIds: ['m1'] });
    expect(await read).toEqual(res.data);
    const again = nextOf(uOnA, 'message:new', chat);
    await ack(wOnA, 'message:new', text(chat, 'barrier'));
    await again;
    expect(receipts).toHaveLength(1);
  });

  it('typing on node A reaches node B, and so does the stop that node A sends on timeout', async () => {
    const chat = fresh('chat');
    const [u, v] = [fresh('u'), fresh('v')];
    await putMembers(b, chat, [u, v]);
    const uOnA = await connect(a, u, 'd1');
    const uOnB = await connect(b, u, 'd2');
    const vOnB = await connect(b, v);
    const typingOnU = collectChat(uOnB, 'message:typing', chat);

    const typing = nextOf(vOnB, 'message:typing', chat);
    const started = Date.now();
    await ack(uOnA, 'message:typing', { chatId: chat });
    expect(await typing).toEqual({ chatId: chat, userId: u });
    const stop = await nextOf(vOnB, 'message:stop-typing', chat, 3000);
    expect(stop).toEqual({ chatId: chat, userId: u });
    expect(Date.now() - started).toBeGreaterThanOrEqual(TYPING_TIMEOUT_MS - 50);

    // The typist's own device on node B never hears it (barrier: v's typing, which it does hear).
    const vTyping = nextOf(uOnB, 'message:typing', chat);
    await ack(vOnB, 'message:typing', { chatId: chat });
    await vTyping;
    expect(typingOnU).toEqual([{ chatId: chat, userId: v }]);
  });
});

describe('chat messages with the memory engine', () => {
  const sut = useApp(() => ({ SESSION_POLICY: 'multi', TYPING_TIMEOUT_MS: String(TYPING_TIMEOUT_MS) }));

  it('relays messages, receipts, typing and reactions between members and refuses outsiders', async () => {
    const chat = fresh('chat');
    const [s, r] = [fresh('s'), fresh('r')];
    await putMembers(sut, chat, [s, r]);
    const [s1, s2, r1, outsider] = [await connect(sut, s, 'd1'), await connect(sut, s, 'd2'), await connect(sut, r), await connect(sut, fresh('x'))];
    const onS1 = collectChat(s1, 'message:new', chat);

    const toOthers = [nextOf(r1, 'message:new', chat), nextOf(s2, 'message:new', chat)];
    const sent = await ack<Sent>(s1, 'message:new', text(chat, 'memory', { tempId: 't' }));
    expect(sent).toEqual({ ok: true, data: { messageId: expect.any(String), tempId: 't', timestamp: expect.stringMatching(ISO) } });
    for (const m of await Promise.all(toOthers)) {
      expect(m).toEqual({ messageId: sent.data!.messageId, chatId: chat, senderId: s, content: 'memory', messageType: 'text', tempId: 't', timestamp: sent.data!.timestamp });
    }
    expect(await ack(outsider, 'message:new', text(chat, 'no'))).toEqual(forbidden);

    const receipt = [s1, s2, r1].map((sock) => nextOf(sock, 'message:delivered', chat));
    const delivered = await ack(r1, 'message:delivered', { chatId: chat, messageIds: [sent.data!.messageId] });
    for (const p of await Promise.all(receipt)) expect(p).toEqual(delivered.data);

    const reaction = nextOf(s1, 'reaction:new', chat);
    const reacted = await ack(r1, 'reaction:new', { chatId: chat, messageId: sent.data!.messageId, reaction: '❤' });
    expect(await reaction).toEqual(reacted.data);

    const typing = nextOf(s1, 'message:typing', chat);
    const stop = nextOf(s1, 'message:stop-typing', chat, 3000);
    await ack(r1, 'message:typing', { chatId: chat });
    expect(await typing).toEqual({ chatId: chat, userId: r });
    expect(await stop).toEqual({ chatId: chat, userId: r });

    await roundTrip(s1);
    expect(onS1).toEqual([]);
  });
});
