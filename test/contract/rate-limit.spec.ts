import { MemoryRateLimitStore } from '../../src/engine/memory/memory-rate-limit.store.js';
import type { RateLimitStore } from '../../src/engine/rate-limit.store.js';
import { RedisRateLimitStore } from '../../src/engine/redis/redis-rate-limit.store.js';
import { fresh, storeContract, T0 } from './store-contract.js';

storeContract<RateLimitStore>(
  'RateLimitStore',
  { memory: () => new MemoryRateLimitStore(), redis: (c) => new RedisRateLimitStore(c) },
  (ctx) => {
    it('allows up to the limit in the window, then refuses until the oldest hit leaves it', async () => {
      const key = `rl-${fresh()}`;
      for (let i = 0; i < 3; i++) expect(await ctx.store.hit(key, 3, 1000, T0 + i * 100)).toEqual({ allowed: true, retryAfterMs: 0 });
      expect(await ctx.store.hit(key, 3, 1000, T0 + 250)).toEqual({ allowed: false, retryAfterMs: 750 });
      expect(await ctx.store.hit(key, 3, 1000, T0 + 999)).toEqual({ allowed: false, retryAfterMs: 1 });
    });

    it('slides exactly: a hit stops counting once it is windowMs old, by the caller\'s clock', async () => {
      const key = `rl-${fresh()}`;
      expect((await ctx.store.hit(key, 2, 60, T0)).allowed).toBe(true);
      expect((await ctx.store.hit(key, 2, 60, T0 + 30)).allowed).toBe(true);
      expect(await ctx.store.hit(key, 2, 60, T0 + 59)).toEqual({ allowed: false, retryAfterMs: 1 });
      expect(await ctx.store.peek(key, 2, 60, T0 + 59)).toEqual({ allowed: false, retryAfterMs: 1 });
      expect(await ctx.store.peek(key, 2, 60, T0 + 60)).toEqual({ allowed: true, retryAfterMs: 0 });
      expect((await ctx.store.hit(key, 2, 60, T0 + 60)).allowed).toBe(true);
      // Now the hits of T0 + 30 and T0 + 60 count: room again at T0 + 90.
      expect(await ctx.store.hit(key, 2, 60, T0 + 61)).toEqual({ allowed: false, retryAfterMs: 29 });
      expect((await ctx.store.hit(key, 2, 60, T0 + 90)).allowed).toBe(true);
    });

    it('forgets a whole window once it lies in the past', async () => {
      const key = `rl-${fresh()}`;
      for (let i = 0; i < 3; i++) await ctx.store.hit(key, 3, 1000, T0);
      expect((await ctx.store.hit(key, 3, 1000, T0 + 999)).allowed).toBe(false);
      for (let i = 0; i < 3; i++) expect((await ctx.store.hit(key, 3, 1000, T0 + 60_000)).allowed).toBe(true);
      expect(await ctx.store.hit(key, 3, 1000, T0 + 60_001)).toEqual({ allowed: false, retryAfterMs: 999 });
    });

    it('keeps separate windows per key', async () => {
      const [a, b] = [`rl-${fresh()}`, `rl-${fresh()}`];
      expect((await ctx.store.hit(a, 1, 1000, T0)).allowed).toBe(true);
      expect((await ctx.store.hit(a, 1, 1000, T0)).allowed).toBe(false);
      expect((await ctx.store.hit(b, 1, 1000, T0)).allowed).toBe(true);
    });

    it('peek tells whether one more hit is allowed, recording nothing', async () => {
      const key = `rl-${fresh()}`;
      expect(await ctx.store.peek(key, 2, 10_000, T0)).toEqual({ allowed: true, retryAfterMs: 0 });
      await ctx.store.hit(key, 2, 10_000, T0);
      expect((await ctx.store.peek(key, 2, 10_000, T0 + 1)).allowed).toBe(true);
      await ctx.store.hit(key, 2, 10_000, T0 + 2);
      expect(await ctx.store.peek(key, 2, 10_000, T0 + 4000)).toEqual({ allowed: false, retryAfterMs: 6000 });
      // Peeking added nothing: a fresh key allows exactly its limit after many peeks.
      const other = `rl-${fresh()}`;
      for (let i = 0; i < 5; i++) await ctx.store.peek(other, 1, 10_000, T0);
      expect((await ctx.store.hit(other, 1, 10_000, T0)).allowed).toBe(true);
      expect((await ctx.store.hit(other, 1, 10_000, T0)).allowed).toBe(false);
    });

    it('counts concurrent hits atomically', async () => {
      const key = `rl-${fresh()}`;
      const results = await Promise.all(Array.from({ length: 20 }, () => ctx.store.hit(key, 7, 10_000, T0)));
      expect(results.filter((r) => r.allowed)).toHaveLength(7);
    });
  },
);
