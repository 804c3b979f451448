import { MemoryPresenceStore } from '../../src/engine/memory/memory-presence.store.js';
import type { PresenceStore } from '../../src/engine/presence.store.js';
import { RedisPresenceStore } from '../../src/engine/redis/redis-presence.store.js';
import { fresh, storeContract } from './store-contract.js';

storeContract<PresenceStore>(
  'PresenceStore',
  { memory: () => new MemoryPresenceStore(), redis: (c) => new RedisPresenceStore(c) },
  (ctx) => {
    it('returns only users with a stored state; status and lastSeen are kept side by side', async () => {
      const [u, v, nobody] = [fresh(), fresh(), fresh()];
      await ctx.store.setStatus(u, 'busy', 'in a meeting');
      await ctx.store.setLastSeen(u, '2026-01-01T00:00:00.000Z');
      await ctx.store.setLastSeen(v, '2026-01-02T00:00:00.000Z');
      expect(await ctx.store.get([u, v, nobody])).toEqual(
        new Map([
          [u, { status: 'busy', customStatus: 'in a meeting', lastSeen: '2026-01-01T00:00:00.000Z' }],
          [v, { lastSeen: '2026-01-02T00:00:00.000Z' }],
        ]),
      );
      expect(await ctx.store.get([])).toEqual(new Map());
    });

    it('setStatus replaces status and custom status (null clears it) and keeps lastSeen', async () => {
      const u = fresh();
      await ctx.store.setStatus(u, 'away', 'lunch');
      await ctx.store.setLastSeen(u, 'seen-1');
      await ctx.store.setStatus(u, 'online', null);
      expect((await ctx.store.get([u])).get(u)).toEqual({ status: 'online', customStatus: null, lastSeen: 'seen-1' });
      await ctx.store.setLastSeen(u, 'seen-2');
      expect((await ctx.store.get([u])).get(u)).toEqual({ status: 'online', customStatus: null, lastSeen: 'seen-2' });
    });
  },
);
