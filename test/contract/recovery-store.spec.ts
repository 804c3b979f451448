import { MemoryRecoveryStore } from '../../src/engine/memory/memory-recovery.store.js';
import { RedisRecoveryStore } from '../../src/engine/redis/redis-recovery.store.js';
import type { RecoveryStore } from '../../src/engine/recovery.store.js';
import { fresh, storeContract, T0 } from './store-contract.js';

const DAY = 24 * 60 * 60 * 1000;
const WINDOW = 60_000;

storeContract<RecoveryStore>(
  'RecoveryStore',
  { memory: () => new MemoryRecoveryStore(), redis: (c) => new RedisRecoveryStore(c) },
  (ctx) => {
    const record = (node: string) => ({ sid: fresh('sid'), userId: fresh('user'), sessionId: fresh('session'), node, rooms: ['user:x', 'chat:c', 'presence:y'] });

    it('keeps what a socket needs from the moment it connects, readable by any node', async () => {
      const pid = fresh('pid');
      const input = record('node-a');
      await ctx.store.save(pid, input, DAY);
      expect(await ctx.other.get(pid)).toEqual({ ...input, state: 'live', version: expect.any(Number) });
      expect(await ctx.other.get(fresh('pid'))).toBeNull();
    });

    it('marks a record gone only from the node holding it, and keeps when it went', async () => {
      const pid = fresh('pid');
      await ctx.store.save(pid, record('node-a'), DAY);
      await ctx.other.gone(pid, 'node-b', T0, WINDOW);
      expect(await ctx.store.get(pid)).toEqual(expect.objectContaining({ state: 'live', node: 'node-a' }));
      await ctx.store.gone(pid, 'node-a', T0, WINDOW);
      expect(await ctx.other.get(pid)).toEqual(expect.objectContaining({ state: 'gone', goneAt: T0, node: 'node-a' }));
    });

    it('lets exactly one of two concurrent claims at the version read take the record, live on its node', async () => {
      const pid = fresh('pid');
      await ctx.store.save(pid, record('node-a'), DAY);
      await ctx.store.gone(pid, 'node-a', T0, WINDOW);
      const read = (await ctx.other.get(pid))!;
      const claims = await Promise.all([ctx.store.claim(pid, read.version, 'node-b', DAY), ctx.other.claim(pid, read.version, 'node-c', DAY)]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      const after = (await ctx.store.get(pid))!;
      expect(after).toEqual(expect.objectContaining({ state: 'live', node: claims[0] ? 'node-b' : 'node-c' }));
      expect(after.goneAt).toBeUndefined();
      // A claim at a stale version fails; so does one for a record that is not there.
      expect(await ctx.store.claim(pid, read.version, 'node-d', DAY)).toBe(false);
      expect(await ctx.store.claim(fresh('pid'), 1, 'node-d', DAY)).toBe(false);
    });

    it('forgets a removed record', async () => {
      const pid = fresh('pid');
      await ctx.store.save(pid, record('node-a'), DAY);
      await ctx.other.remove(pid);
      expect(await ctx.store.get(pid)).toBeNull();
    });
  },
);
