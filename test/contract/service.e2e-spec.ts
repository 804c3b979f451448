import { MemoryServiceStore } from '../../src/engine/memory/memory-service.store.js';
import { RedisServiceStore } from '../../src/engine/redis/redis-service.store.js';
import type { ServiceStore, StoredService } from '../../src/engine/service.store.js';
import { fresh, storeContract } from './store-contract.js';

storeContract<ServiceStore>(
  'ServiceStore',
  { memory: () => new MemoryServiceStore(), redis: (c) => new RedisServiceStore(c) },
  (ctx) => {
    const service = (over: Partial<StoredService> = {}): StoredService => ({
      name: `svc-${fresh()}`,
      type: 'billing',
      keyHash: 'scrypt$16384$8$1$c2FsdA==$aGFzaA==',
      status: 'pending',
      createdAt: new Date().toISOString(),
      ...over,
    });
    /** The store is shared by the tests of one engine: limits are set relative to what it holds. */
    const stored = async () => (await ctx.store.list()).length;

    it("registers a new name, then answers 'exists' for it without overwriting", async () => {
      const s = service({ description: 'first' });
      expect(await ctx.store.register(s, (await stored()) + 10)).toBe('registered');
      expect(await ctx.store.register({ ...s, description: 'second', keyHash: 'other' }, (await stored()) + 10)).toBe('exists');
      expect(await ctx.store.get(s.name)).toEqual(s);
    });

    it("answers 'limit' once maxRegistered services are stored, and stores nothing", async () => {
      const max = (await stored()) + 1;
      expect(await ctx.store.register(service(), max)).toBe('registered');
      const refused = service();
      expect(await ctx.store.register(refused, max)).toBe('limit');
      expect(await ctx.store.get(refused.name)).toBeUndefined();
      expect(await stored()).toBe(max);
    });

    it("prefers 'exists' over 'limit' for a taken name", async () => {
      const s = service();
      await ctx.store.register(s, (await stored()) + 1);
      expect(await ctx.store.register(s, 0)).toBe('exists');
    });

    it('admits exactly the limit among concurrent registrations of different names', async () => {
      const before = await stored();
      const batch = Array.from({ length: 10 }, () => service());
      const outcomes = await Promise.all(batch.map((s) => ctx.store.register(s, before + 5)));
      expect(outcomes.filter((o) => o === 'registered')).toHaveLength(5);
      expect(outcomes.filter((o) => o === 'limit')).toHaveLength(5);
      expect(await stored()).toBe(before + 5);
      const names = new Set((await ctx.store.list()).map((s) => s.name));
      batch.forEach((s, i) => expect(names.has(s.name)).toBe(outcomes[i] === 'registered'));
    });

    it('treats names without regard to case: register, get, setStatus and remove', async () => {
      const s = service();
      const upper = s.name.toUpperCase();
      expect(await ctx.store.register(s, (await stored()) + 10)).toBe('registered');
      expect(await ctx.store.register({ ...s, name: upper }, (await stored()) + 10)).toBe('exists');
      expect(await ctx.store.get(upper)).toEqual(s);
      expect(await ctx.store.setStatus(upper, 'active')).toEqual({ ...s, status: 'active' });
      expect(await ctx.store.remove(upper)).toBe(true);
      expect(await ctx.store.get(s.name)).toBeUndefined();
    });

    it('drops a pending registration past its expiresAt: gone from get and list, its name and slot free again', async () => {
      // The store reads the node's clock for expiry (it takes no `now`): set well clear of it.
      const stale = service({ expiresAt: Date.now() - 1000 });
      const max = (await stored()) + 1;
      expect(await ctx.store.register(stale, max)).toBe('registered');
      expect(await ctx.store.get(stale.name)).toBeUndefined();
      expect((await ctx.store.list()).some((x) => x.name === stale.name)).toBe(false);
      // Its slot is free: a new registration fits under the same limit, and the name can be taken again.
      expect(await ctx.store.register(service(), max)).toBe('registered');
      const again = service({ name: stale.name });
      expect(await ctx.store.register(again, max + 1)).toBe('registered');
      expect(await ctx.store.get(stale.name)).toEqual(again);
    });

    it('approving clears the expiry of a pending registration', async () => {
      const s = service({ expiresAt: Date.now() + 60_000 });
      await ctx.store.register(s, (await stored()) + 1);
      const { expiresAt: _e, ...approved } = { ...s, status: 'active' as const };
      expect(await ctx.store.setStatus(s.name, 'active')).toEqual(approved);
      expect(await ctx.store.get(s.name)).toEqual(approved);
    });

    it('round-trips every field through get and list; get of an unknown name is undefined', async () => {
      const s = service({ description: 'Reports', metadata: { team: 'payments', tags: ['a', 'b'], nested: { n: 1, ok: true } } });
      await ctx.store.register(s, (await stored()) + 1);
      expect(await ctx.store.get(s.name)).toEqual(s);
      expect((await ctx.store.list()).find((x) => x.name === s.name)).toEqual(s);
      expect(await ctx.store.get(`missing-${fresh()}`)).toBeUndefined();
    });

    it('setStatus returns the updated service, keeps every other field, and persists it', async () => {
      const s = service({ description: 'Mailer', metadata: { tags: [], regions: ['eu'], empty: {}, big: 123456789012345, ratio: 0.1, text: 'a/b \u00e9 é' } });
      await ctx.store.register(s, (await stored()) + 1);
      const updated = await ctx.store.setStatus(s.name, 'active');
      expect(updated).toEqual({ ...s, status: 'active' });
      expect(await ctx.store.get(s.name)).toEqual({ ...s, status: 'active' });
      expect(await ctx.store.setStatus(s.name, 'disabled')).toEqual({ ...s, status: 'disabled' });
    });

    it('concurrent setStatus calls leave one of the written statuses, and a racing remove is never undone', async () => {
      for (let i = 0; i < 10; i++) {
        const s = service();
        await ctx.store.register(s, (await stored()) + 1);
        const [a, b] = await Promise.all([ctx.store.setStatus(s.name, 'active'), ctx.store.setStatus(s.name, 'disabled')]);
        expect([a?.status, b?.status]).toEqual(['active', 'disabled']);
        expect(['active', 'disabled']).toContain((await ctx.store.get(s.name))?.status);
        const [updated, removed] = await Promise.all([ctx.store.setStatus(s.name, 'pending'), ctx.store.remove(s.name)]);
        expect(removed).toBe(true);
        if (updated) expect(updated).toEqual({ ...s, status: 'pending' });
        expect(await ctx.store.get(s.name)).toBeUndefined();
      }
    });

    it('setStatus of an unknown name is undefined and creates nothing', async () => {
      const name = `missing-${fresh()}`;
      expect(await ctx.store.setStatus(name, 'active')).toBeUndefined();
      expect(await ctx.store.get(name)).toBeUndefined();
    });

    it('remove is true for a stored service, then false', async () => {
      const s = service();
      await ctx.store.register(s, (await stored()) + 1);
      expect(await ctx.store.remove(s.name)).toBe(true);
      expect(await ctx.store.get(s.name)).toBeUndefined();
      expect(await ctx.store.remove(s.name)).toBe(false);
      expect(await ctx.store.register(s, (await stored()) + 1)).toBe('registered');
    });
  },
);
