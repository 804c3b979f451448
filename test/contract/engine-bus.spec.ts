import type { EngineBus } from '../../src/engine/engine-bus.js';
import { MemoryEngineBus } from '../../src/engine/memory/memory-engine-bus.js';
import { RedisEngineBus } from '../../src/engine/redis/redis-engine-bus.js';
import { fresh, storeContract } from './store-contract.js';

storeContract<EngineBus>(
  'EngineBus',
  { memory: () => new MemoryEngineBus(), redis: (c) => new RedisEngineBus(c) },
  (ctx) => {
    it('delivers a message published by any node to the subscribers of its channel only', async () => {
      const [wanted, other] = [`chan-${fresh()}`, `chan-${fresh()}`];
      const heard: [string, string][] = [];
      let heardLast!: () => void;
      const finished = new Promise<void>((resolve) => (heardLast = resolve));
      // subscribe resolves once the subscription is in place: what is published after it arrives.
      await ctx.store.subscribe([wanted], (channel, message) => {
        heard.push([channel, message]);
        if (message === 'last') heardLast();
      });
      await ctx.other.publish(other, 'not for us');
      await ctx.other.publish(wanted, 'hello');
      await ctx.other.publish(wanted, 'last');
      await finished;
      expect(heard).toEqual([
        [wanted, 'hello'],
        [wanted, 'last'],
      ]);
    });

    it('names the bus channels under the deployment, one name per channel', () => {
      const names = (['emit', 'force-logout', 'kick', 'status-refresh'] as const).map((c) => ctx.store.channelName(c));
      expect(new Set(names).size).toBe(4);
      expect(names.every((n, i) => n.endsWith(['emit', 'force-logout', 'kick', 'status-refresh'][i]))).toBe(true);
    });

    it('grants a claim to exactly one of concurrent claimants across nodes', async () => {
      const id = fresh('claim');
      const outcomes = await Promise.all([ctx.store, ctx.other, ctx.store, ctx.other].map((bus, i) => bus.claim(id, `node-${i}`, 60_000)));
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      expect(await ctx.other.claim(id, 'late', 60_000)).toBe(false);
      expect(await ctx.store.claim(fresh('claim'), 'node-0', 60_000)).toBe(true);
    });
  },
);
