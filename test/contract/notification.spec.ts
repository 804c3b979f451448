import { MemoryNotificationStore } from '../../src/engine/memory/memory-notification.store.js';
import type { NotificationRules, NotificationStore, StoredNotification } from '../../src/engine/notification.store.js';
import { RedisNotificationStore } from '../../src/engine/redis/redis-notification.store.js';
import { fresh, storeContract, T0 } from './store-contract.js';

storeContract<NotificationStore>(
  'NotificationStore',
  { memory: () => new MemoryNotificationStore(), redis: (c) => new RedisNotificationStore(c) },
  (ctx) => {
    const rules = (now: number, over: Partial<NotificationRules> = {}): NotificationRules => ({ maxPending: 10, ttlMs: 1000, now, ...over });
    const note = (id: string): StoredNotification => ({ id, type: 'mention', title: `t-${id}`, body: 'b', data: { n: 1, list: ['x'] }, createdAt: new Date(T0).toISOString() });

    it('lists pending notifications newest first, every field round-tripped', async () => {
      const u = fresh();
      await ctx.store.add(u, note('a'), rules(T0));
      await ctx.store.add(u, note('b'), rules(T0 + 1));
      await ctx.store.add(u, { id: 'c', type: 'plain', createdAt: 'x' }, rules(T0 + 2));
      expect(await ctx.store.list(u, rules(T0 + 3))).toEqual([{ id: 'c', type: 'plain', createdAt: 'x' }, note('b'), note('a')]);
      expect(await ctx.store.list(fresh(), rules(T0))).toEqual([]);
    });

    it('keeps arrival order for notifications added at the same instant', async () => {
      const u = fresh();
      for (const id of ['1', '2', '3']) await ctx.store.add(u, note(id), rules(T0));
      expect((await ctx.store.list(u, rules(T0))).map((x) => x.id)).toEqual(['3', '2', '1']);
    });

    it('keeps only the newest maxPending', async () => {
      const u = fresh();
      for (let i = 0; i < 5; i++) await ctx.store.add(u, note(`n${i}`), rules(T0 + i * 10, { maxPending: 3 }));
      expect((await ctx.store.list(u, rules(T0 + 50, { maxPending: 3 }))).map((x) => x.id)).toEqual(['n4', 'n3', 'n2']);
    });

    it("forgets each notification exactly ttlMs after it was added, by the caller's clock", async () => {
      const u = fresh();
      await ctx.store.add(u, note('early'), rules(T0));
      await ctx.store.add(u, note('late'), rules(T0 + 400));
      expect((await ctx.store.list(u, rules(T0 + 999))).map((x) => x.id)).toEqual(['late', 'early']);
      expect((await ctx.store.list(u, rules(T0 + 1000))).map((x) => x.id)).toEqual(['late']);
      expect((await ctx.store.list(u, rules(T0 + 1399))).map((x) => x.id)).toEqual(['late']);
      expect(await ctx.store.list(u, rules(T0 + 1400))).toEqual([]);
    });

    it('an expired notification is not pending: remove is false and clear does not count it', async () => {
      const u = fresh();
      await ctx.store.add(u, note('old'), rules(T0));
      await ctx.store.add(u, note('new'), rules(T0 + 500));
      expect(await ctx.store.remove(u, 'old', rules(T0 + 1000))).toBe(false);
      expect(await ctx.store.clear(u, rules(T0 + 1000))).toBe(1);
      expect(await ctx.store.list(u, rules(T0 + 1000))).toEqual([]);
    });

    it('adding an expired one again makes it pending from the new instant', async () => {
      const u = fresh();
      await ctx.store.add(u, note('x'), rules(T0));
      await ctx.store.add(u, note('x'), rules(T0 + 5000));
      expect((await ctx.store.list(u, rules(T0 + 5999))).map((x) => x.id)).toEqual(['x']);
      expect(await ctx.store.list(u, rules(T0 + 6000))).toEqual([]);
    });

    it('re-adding a pending id replaces it and makes it the newest', async () => {
      const u = fresh();
      await ctx.store.add(u, note('a'), rules(T0));
      await ctx.store.add(u, note('b'), rules(T0 + 1));
      await ctx.store.add(u, { ...note('a'), title: 'again' }, rules(T0 + 2));
      expect(await ctx.store.list(u, rules(T0 + 3))).toEqual([{ ...note('a'), title: 'again' }, note('b')]);
    });

    it('remove is true once for a pending one and leaves the others; clear returns how many were pending', async () => {
      const u = fresh();
      for (const id of ['a', 'b', 'c']) await ctx.store.add(u, note(id), rules(T0));
      expect(await ctx.store.remove(u, 'b', rules(T0 + 1))).toBe(true);
      expect(await ctx.store.remove(u, 'b', rules(T0 + 1))).toBe(false);
      expect(await ctx.store.remove(u, 'never', rules(T0 + 1))).toBe(false);
      expect((await ctx.store.list(u, rules(T0 + 1))).map((x) => x.id)).toEqual(['c', 'a']);
      expect(await ctx.store.clear(u, rules(T0 + 2))).toBe(2);
      expect(await ctx.store.clear(u, rules(T0 + 2))).toBe(0);
      expect(await ctx.store.list(u, rules(T0 + 2))).toEqual([]);
    });
  },
);
