import { MemoryStatusStore } from '../../src/engine/memory/memory-status.store.js';
import { RedisStatusStore } from '../../src/engine/redis/redis-status.store.js';
import type { StatusStore } from '../../src/engine/status.store.js';
import { fresh, storeContract } from './store-contract.js';

storeContract<StatusStore>(
  'StatusStore',
  { memory: () => new MemoryStatusStore(), redis: (c) => new RedisStatusStore(c) },
  (ctx) => {
    it('keeps the last report per service and snapshots them all', async () => {
      const [a, b] = [`svc-${fresh()}`, `svc-${fresh()}`];
      await ctx.store.set(a, { status: 'degraded', message: 'slow', updatedAt: '2026-01-01T00:00:00.000Z' });
      await ctx.store.set(b, { status: 'ok', updatedAt: '2026-01-01T00:00:01.000Z' });
      await ctx.store.set(a, { status: 'ok', updatedAt: '2026-01-01T00:00:02.000Z' });
      const snap = await ctx.store.snapshot();
      expect(snap[a]).toEqual({ status: 'ok', updatedAt: '2026-01-01T00:00:02.000Z' });
      expect(snap[b]).toEqual({ status: 'ok', updatedAt: '2026-01-01T00:00:01.000Z' });
      expect(snap[`svc-${fresh()}`]).toBeUndefined();
    });

    it('a snapshot is a copy: changing it changes nothing stored', async () => {
      const a = `svc-${fresh()}`;
      await ctx.store.set(a, { status: 'ok', message: 'm', updatedAt: 'u' });
      const snap = await ctx.store.snapshot();
      snap[a].status = 'changed';
      expect((await ctx.store.snapshot())[a]).toEqual({ status: 'ok', message: 'm', updatedAt: 'u' });
    });
  },
);
