import type { CallRecord, CallStore } from '../../src/engine/call.store.js';
import { MemoryCallStore } from '../../src/engine/memory/memory-call.store.js';
import { RedisCallStore } from '../../src/engine/redis/redis-call.store.js';
import { fresh, storeContract, T0 } from './store-contract.js';

storeContract<CallStore>(
  'CallStore',
  { memory: () => new MemoryCallStore(), redis: (c) => new RedisCallStore(c) },
  (ctx) => {
    const call = (over: Partial<CallRecord> = {}): CallRecord => ({
      callId: `call-${fresh()}`,
      callerId: 'alice',
      calleeId: 'bob',
      callType: 'video',
      chatId: 'chat-1',
      state: 'ringing',
      callerSocketId: 'sock-a',
      createdAt: new Date(T0).toISOString(),
      ringDeadline: T0 + 30_000,
      ...over,
    });
    /** The calls `expireDue` claimed among `ids` (the store is shared by the tests of one engine). */
    const expiredAmong = async (now: number, ids: string[]) => (await ctx.store.expireDue(now)).filter((c) => ids.includes(c.callId));

    it('stores a call as given; an unknown call is undefined', async () => {
      const c = call();
      await ctx.store.create(c, 60_000, T0);
      expect(await ctx.store.get(c.callId, T0)).toEqual(c);
      expect(await ctx.store.get(`call-${fresh()}`, T0)).toBeUndefined();
      const noChat = call({ chatId: undefined, callType: 'audio' });
      delete noChat.chatId;
      await ctx.store.create(noChat, 60_000, T0);
      expect(await ctx.store.get(noChat.callId, T0)).toEqual(noChat);
    });

    it('answers a ringing call once: active with the answering socket, then not_ringing', async () => {
      const c = call();
      await ctx.store.create(c, 60_000, T0);
      const active = { ...c, state: 'active', answerSocketId: 'sock-b' };
      expect(await ctx.store.answer(c.callId, 'sock-b', T0)).toEqual({ answered: active });
      expect(await ctx.store.get(c.callId, T0)).toEqual(active);
      expect(await ctx.store.answer(c.callId, 'sock-c', T0)).toEqual({ answered: false, reason: 'not_ringing' });
      expect(await ctx.store.answer(`call-${fresh()}`, 'sock-b', T0)).toEqual({ answered: false, reason: 'not_found' });
    });

    it('lets exactly one of concurrent answers win', async () => {
      const c = call();
      await ctx.store.create(c, 60_000, T0);
      const outcomes = await Promise.all(Array.from({ length: 5 }, (_, i) => ctx.store.answer(c.callId, `sock-${i}`, T0)));
      const winners = outcomes.filter((o) => o.answered);
      expect(winners).toHaveLength(1);
      expect(outcomes.filter((o) => !o.answered && o.reason === 'not_ringing')).toHaveLength(4);
      expect((await ctx.store.get(c.callId, T0))?.answerSocketId).toBe((winners[0].answered as CallRecord).answerSocketId);
    });

    it('end returns the call to exactly one caller and removes it', async () => {
      const c = call();
      await ctx.store.create(c, 60_000, T0);
      const ended = await Promise.all([ctx.store.end(c.callId, T0), ctx.store.end(c.callId, T0), ctx.store.end(c.callId, T0)]);
      expect(ended.filter(Boolean)).toEqual([c]);
      expect(await ctx.store.get(c.callId, T0)).toBeUndefined();
      expect(await ctx.store.answer(c.callId, 'sock-b', T0)).toEqual({ answered: false, reason: 'not_found' });
      expect(await ctx.store.end(c.callId, T0)).toBeUndefined();
    });

    it("expires a ringing call exactly at its ring deadline, by the caller's clock, to one caller", async () => {
      const [soon, later] = [call({ ringDeadline: T0 + 100 }), call({ ringDeadline: T0 + 200 })];
      await ctx.store.create(soon, 60_000, T0);
      await ctx.store.create(later, 60_000, T0);
      const ids = [soon.callId, later.callId];
      expect(await expiredAmong(T0 + 99, ids)).toEqual([]);
      const claims = await Promise.all([expiredAmong(T0 + 100, ids), expiredAmong(T0 + 100, ids)]);
      expect(claims.flat()).toEqual([soon]);
      expect(await ctx.store.get(soon.callId, T0)).toBeUndefined();
      expect(await ctx.store.get(later.callId, T0)).toEqual(later);
      expect(await expiredAmong(T0 + 200, ids)).toEqual([later]);
      expect(await expiredAmong(T0 + 10_000, ids)).toEqual([]);
    });

    it("keeps a call record for its ttl by the caller's clock: gone from get, answer and end from created + ttl on", async () => {
      const [ringing, answered] = [call({ ringDeadline: T0 + 60_000 }), call({ ringDeadline: T0 + 60_000 })];
      await ctx.store.create(ringing, 1000, T0);
      await ctx.store.create(answered, 1000, T0);
      expect(await ctx.store.answer(answered.callId, 'sock-b', T0 + 999)).toEqual({ answered: { ...answered, state: 'active', answerSocketId: 'sock-b' } });
      expect(await ctx.other.get(ringing.callId, T0 + 999)).toEqual(ringing);
      expect(await ctx.other.get(answered.callId, T0 + 999)).toMatchObject({ state: 'active' });
      expect(await ctx.store.get(ringing.callId, T0 + 1000)).toBeUndefined();
      expect(await ctx.store.answer(ringing.callId, 'sock-b', T0 + 1000)).toEqual({ answered: false, reason: 'not_found' });
      expect(await ctx.store.end(answered.callId, T0 + 1000)).toBeUndefined();
      expect(await ctx.store.get(answered.callId, T0)).toBeUndefined();
    });

    it('never expires an answered or ended call', async () => {
      const [answered, ended] = [call({ ringDeadline: T0 + 100 }), call({ ringDeadline: T0 + 100 })];
      await ctx.store.create(answered, 60_000, T0);
      await ctx.store.create(ended, 60_000, T0);
      await ctx.store.answer(answered.callId, 'sock-b', T0);
      await ctx.store.end(ended.callId, T0);
      expect(await expiredAmong(T0 + 1000, [answered.callId, ended.callId])).toEqual([]);
      expect((await ctx.store.get(answered.callId, T0))?.state).toBe('active');
    });
  },
);
