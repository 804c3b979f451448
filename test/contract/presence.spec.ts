import { MemoryPresenceStore } from '../../src/engine/memory/memory-presence.store.js';
import type { PresenceRules, PresenceStore } from '../../src/engine/presence.store.js';
import { RedisPresenceStore } from '../../src/engine/redis/redis-presence.store.js';
import { fresh, storeContract, T0 } from './store-contract.js';

const DAY_MS = 24 * 3600 * 1000;
const rules = (now = T0, ttlMs = DAY_MS): PresenceRules => ({ now, ttlMs });

storeContract<PresenceStore>(
  'PresenceStore',
  { memory: () => new MemoryPresenceStore(), redis: (c) => new RedisPresenceStore(c) },
  (ctx) => {
    it('returns only users with a stored state; status and lastSeen are kept side by side', async () => {
      const [u, v, nobody] = [fresh(), fresh(), fresh()];
      await ctx.store.setStatus(u, 'busy', 'in a meeting', rules());
      await ctx.store.setLastSeen(u, '2026-01-01T00:00:00.000Z', rules());
      await ctx.store.setLastSeen(v, '2026-01-02T00:00:00.000Z', rules());
      expect(await ctx.store.get([u, v, nobody], T0)).toEqual(
        new Map([
          [u, { status: 'busy', customStatus: 'in a meeting', lastSeen: '2026-01-01T00:00:00.000Z' }],
          [v, { lastSeen: '2026-01-02T00:00:00.000Z' }],
        ]),
      );
      expect(await ctx.store.get([], T0)).toEqual(new Map());
    });

    it('setStatus replaces status and custom status (null clears it) and keeps lastSeen', async () => {
      const u = fresh();
      await ctx.store.setStatus(u, 'away', 'lunch', rules());
      await ctx.store.setLastSeen(u, 'seen-1', rules());
      await ctx.store.setStatus(u, 'online', null, rules());
      expect((await ctx.store.get([u], T0)).get(u)).toEqual({ status: 'online', customStatus: null, lastSeen: 'seen-1' });
      await ctx.store.setLastSeen(u, 'seen-2', rules());
      expect((await ctx.store.get([u], T0)).get(u)).toEqual({ status: 'online', customStatus: null, lastSeen: 'seen-2' });
    });

    it("forgets a user ttlMs after their last change, by the caller's clock, on every node", async () => {
      const u = fresh();
      await ctx.store.setLastSeen(u, 'seen', rules(T0, 1000));
      expect((await ctx.other.get([u], T0 + 999)).has(u)).toBe(true);
      expect((await ctx.other.get([u], T0 + 1000)).has(u)).toBe(false);
    });

    it('keeps the whole entry (status and lastSeen) for ttlMs after each change', async () => {
      const u = fresh();
      await ctx.store.setStatus(u, 'busy', null, rules(T0, 1000));
      await ctx.store.setLastSeen(u, 'seen', rules(T0 + 600, 1000));
      expect((await ctx.store.get([u], T0 + 1500)).get(u)).toEqual({ status: 'busy', customStatus: null, lastSeen: 'seen' });
      expect((await ctx.store.get([u], T0 + 1600)).has(u)).toBe(false);
    });

    it('a change after the entry expired starts afresh (nothing of the old entry comes back)', async () => {
      const u = fresh();
      await ctx.store.setStatus(u, 'away', 'gone', rules(T0, 1000));
      await ctx.store.setLastSeen(u, 'later', rules(T0 + 5000, 1000));
      expect((await ctx.store.get([u], T0 + 5000)).get(u)).toEqual({ lastSeen: 'later' });
    });

    it('leaves nothing in Redis without an expiry', async () => {
      if (!ctx.redis) return; // the memory engine has no keys; its entries are dropped as they expire
      const u = fresh();
      await ctx.store.setStatus(u, 'busy', null, rules(Date.now(), 60_000));
      await ctx.store.setLastSeen(u, 'seen', rules(Date.now(), 60_000));
      const ttl = await ctx.redis.command.pttl(ctx.redis.keys.presence(u));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000 + 120_000);
    });
  },
);
