import type { IdempotencyStore } from '../../src/engine/idempotency.store.js';
import { MemoryIdempotencyStore } from '../../src/engine/memory/memory-idempotency.store.js';
import { RedisIdempotencyStore } from '../../src/engine/redis/redis-idempotency.store.js';
import { fresh, storeContract, T0 } from './store-contract.js';

storeContract<IdempotencyStore>(
  'IdempotencyStore',
  { memory: () => new MemoryIdempotencyStore(), redis: (c) => new RedisIdempotencyStore(c) },
  (ctx) => {
    it('lets the first claim through and returns the stored result afterwards', async () => {
      const key = `idem-${fresh()}`;
      expect(await ctx.store.claim(key, 10_000, T0)).toEqual({ first: true });
      expect(await ctx.store.claim(key, 10_000, T0 + 1)).toEqual({ first: false });
      await ctx.store.complete(key, { recipients: { total: 1 } }, 10_000, T0 + 2);
      expect(await ctx.store.claim(key, 10_000, T0 + 3)).toEqual({ first: false, result: { recipients: { total: 1 } } });
    });

    it('release lets a retry claim again', async () => {
      const key = `idem-${fresh()}`;
      await ctx.store.claim(key, 10_000, T0);
      await ctx.store.release(key);
      expect(await ctx.store.claim(key, 10_000, T0 + 1)).toEqual({ first: true });
      expect(await ctx.store.claim(key, 10_000, T0 + 2)).toEqual({ first: false });
    });

    it('forgets a claim ttlMs after it, and a result ttlMs after it was stored', async () => {
      const key = `idem-${fresh()}`;
      await ctx.store.claim(key, 1000, T0);
      expect(await ctx.store.claim(key, 1000, T0 + 999)).toEqual({ first: false });
      expect(await ctx.store.claim(key, 1000, T0 + 1000)).toEqual({ first: true });
      await ctx.store.complete(key, 'done', 1000, T0 + 1500);
      expect(await ctx.store.claim(key, 1000, T0 + 2499)).toEqual({ first: false, result: 'done' });
      expect(await ctx.store.claim(key, 1000, T0 + 2500)).toEqual({ first: true });
    });

    it('lets exactly one of concurrent claims through; keys are independent', async () => {
      const key = `idem-${fresh()}`;
      const claims = await Promise.all(Array.from({ length: 10 }, () => ctx.store.claim(key, 10_000, T0)));
      expect(claims.filter((c) => c.first)).toHaveLength(1);
      expect(await ctx.store.claim(`${key}-other`, 10_000, T0)).toEqual({ first: true });
    });
  },
);
