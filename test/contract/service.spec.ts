import { MemoryServiceStore } from '../../src/engine/memory/memory-service.store.js';
import { RedisServiceStore } from '../../src/engine/redis/redis-service.store.js';
import type { ServiceStore, StoredService } from '../../src/engine/service.store.js';
import { fresh, storeContract, T0 } from './store-contract.js';

storeContract<ServiceStore>(
  'ServiceStore',
  { memory: () => new MemoryServiceStore(), redis: (c) => new RedisServiceStore(c) },
  (ctx) => {
    const service = (over: Partial<StoredService> = {}): StoredService => ({
      name: `svc-${fresh()}`,
      type: 'billing',
      keyHash: 'scrypt$16384$8$1$c2FsdA==$aGFzaA==',
      status: 'pending',
      createdAt: new Date(T0).toISOString(),
      ...over,
    });
    /** The store is shared by the tests of one engine: limits are set relative to what it holds. */
    const stored = async () => (await ctx.store.list(T0)).length;

    it("registers a new name, then answers 'exists' for it without overwriting", async () => {
      const s = service({ description: 'first' });
      expect(await ctx.store.register(s, (await stored()) + 10, T0)).toBe('registered');
      expect(await ctx.store.register({ ...s, description: 'second', keyHash: 'other' }, (await stored()) + 10, T0)).toBe('exists');
      expect(await ctx.store.get(s.name, T0)).toEqual(s);
    });

    it("answers 'limit' once maxRegistered services are stored, and stores nothing", async () => {
      const max = (await stored()) + 1;
      expect(await ctx.store.register(service(), max, T0)).toBe('registered');
      const refused = service();
      expect(await ctx.store.register(refused, max, T0)).toBe('limit');
      expect(await ctx.store.get(refused.name, T0)).toBeUndefined();
      expect(await stored()).toBe(max);
    });

    it("prefers 'exists' over 'limit' for a taken name", async () => {
      const s = service();
      await ctx.store.register(s, (await stored()) + 1, T0);
      expect(await ctx.store.register(s, 0, T0)).toBe('exists');
    });

    it('admits exactly the limit among concurrent registrations of different names', async () => {
      const before = await stored();
      const batch = Array.from({ length: 10 }, () => service());
      const outcomes = await Promise.all(batch.map((s) => ctx.store.register(s, before + 5, T0)));
      expect(outcomes.filter((o) => o === 'registered')).toHaveLength(5);
      expect(outcomes.filter((o) => o === 'limit')).toHaveLength(5);
      expect(await stored()).toBe(before + 5);
      const names = new Set((await ctx.store.list(T0)).map((s) => s.name));
      batch.forEach((s, i) => expect(names.has(s.name)).toBe(outcomes[i] === 'registered'));
    });

    it('treats names without regard to case: register, get, setStatus and remove', async () => {
      const s = service();
      const upper = s.name.toUpperCase();
      expect(await ctx.store.register(s, (await stored()) + 10, T0)).toBe('registered');
      expect(await ctx.store.register({ ...s, name: upper }, (await stored()) + 10, T0)).toBe('exists');
      expect(await ctx.store.get(upper, T0)).toEqual(s);
      expect(await ctx.store.setStatus(upper, 'active', T0)).toEqual({ ...s, status: 'active' });
      expect(await ctx.store.remove(upper)).toBe(true);
      expect(await ctx.store.get(s.name, T0)).toBeUndefined();
    });

    it('drops a pending registration past its expiresAt: gone from get and list, its name and slot free again', async () => {
      const stale = service({ expiresAt: T0 - 1 });
      const max = (await stored()) + 1;
      expect(await ctx.store.register(stale, max, T0)).toBe('registered');
      expect(await ctx.store.get(stale.name, T0)).toBeUndefined();
      expect((await ctx.store.list(T0)).some((x) => x.name === stale.name)).toBe(false);
      // Its slot is free: a new registration fits under the same limit, and the name can be taken again.
      expect(await ctx.store.register(service(), max, T0)).toBe('registered');
      const again = service({ name: stale.name });
      expect(await ctx.store.register(again, max + 1, T0)).toBe('registered');
      expect(await ctx.store.get(stale.name, T0)).toEqual(again);
    });

    it("keeps a pending registration until its expiresAt by the caller's clock, then frees its name and slot", async () => {
      const pending = service({ expiresAt: T0 + 1000 });
      const max = (await stored()) + 1;
      const listed = async (now: number) => (await ctx.store.list(now)).some((x) => x.name === pending.name);
      expect(await ctx.store.register(pending, max, T0)).toBe('registered');
      // One instant before: still there, on both nodes, and still holding its slot.
      expect(await ctx.store.get(pending.name, T0 + 999)).toEqual(pending);
      expect(await ctx.store.get(pending.name, T0 + 999)).toEqual(await ctx.other.get(pending.name, T0 + 999));
      expect(await listed(T0 + 999)).toBe(true);
      expect(await ctx.store.register(service(), max, T0 + 999)).toBe('limit');
      // At expiresAt: gone from every read, approving it finds nothing, and its slot and name are free.
      expect(await ctx.other.get(pending.name, T0 + 1000)).toBeUndefined();
      expect(await listed(T0 + 1000)).toBe(false);
      expect(await ctx.store.setStatus(pending.name, 'active', T0 + 1000)).toBeUndefined();
      expect(await ctx.store.register(service(), max, T0 + 1000)).toBe('registered');
      const again = service({ name: pending.name, status: 'active' });
      expect(await ctx.store.register(again, max + 1, T0 + 1000)).toBe('registered');
      expect(await ctx.store.get(pending.name, T0 + 1000)).toEqual(again);
    });

    it('approving clears the expiry of a pending registration', async () => {
      const s = service({ expiresAt: T0 + 60_000 });
      await ctx.store.register(s, (await stored()) + 1, T0);
      const { expiresAt: _e, ...approved } = { ...s, status: 'active' as const };
      expect(await ctx.store.setStatus(s.name, 'active', T0)).toEqual(approved);
      expect(await ctx.store.get(s.name, T0)).toEqual(approved);
    });

    it('round-trips every field through get and list; get of an unknown name is undefined', async () => {
      const s = service({ description: 'Reports', metadata: { team: 'payments', tags: ['a', 'b'], nested: { n: 1, ok: true } } });
      await ctx.store.register(s, (await stored()) + 1, T0);
      expect(await ctx.store.get(s.name, T0)).toEqual(s);
      expect((await ctx.store.list(T0)).find((x) => x.name === s.name)).toEqual(s);
      expect(await ctx.store.get(`missing-${fresh()}`, T0)).toBeUndefined();
    });

    it('setStatus returns the updated service, keeps every other field, and persists it', async () => {
      const s = service({ description: 'Mailer', metadata: { tags: [], regions: ['eu'], empty: {}, big: 123456789012345, ratio: 0.1, text: 'a/b \u00e9 é' } });
      await ctx.store.register(s, (await stored()) + 1, T0);
      const updated = await ctx.store.setStatus(s.name, 'active', T0);
      expect(updated).toEqual({ ...s, status: 'active' });
      expect(await ctx.store.get(s.name, T0)).toEqual({ ...s, status: 'active' });
      expect(await ctx.store.setStatus(s.name, 'disabled', T0)).toEqual({ ...s, status: 'disabled' });
    });

    it('concurrent setStatus calls leave one of the written statuses, and a racing remove is never undone', async () => {
      for (let i = 0; i < 10; i++) {
        const s = service();
        await ctx.store.register(s, (await stored()) + 1, T0);
        const [a, b] = await Promise.all([ctx.store.setStatus(s.name, 'active', T0), ctx.store.setStatus(s.name, 'disabled', T0)]);
        expect([a?.status, b?.status]).toEqual(['active', 'disabled']);
        expect(['active', 'disabled']).toContain((await ctx.store.get(s.name, T0))?.status);
        const [updated, removed] = await Promise.all([ctx.store.setStatus(s.name, 'pending', T0), ctx.store.remove(s.name)]);
        expect(removed).toBe(true);
        if (updated) expect(updated).toEqual({ ...s, status: 'pending' });
        expect(await ctx.store.get(s.name, T0)).toBeUndefined();
      }
    });

    it('setStatus of an unknown name is undefined and creates nothing', async () => {
      const name = `missing-${fresh()}`;
      expect(await ctx.store.setStatus(name, 'active', T0)).toBeUndefined();
      expect(await ctx.store.get(name, T0)).toBeUndefined();
    });

    it('remove is true for a stored service, then false', async () => {
      const s = service();
      await ctx.store.register(s, (await stored()) + 1, T0);
      expect(await ctx.store.remove(s.name)).toBe(true);
      expect(await ctx.store.get(s.name, T0)).toBeUndefined();
      expect(await ctx.store.remove(s.name)).toBe(false);
      expect(await ctx.store.register(s, (await stored()) + 1, T0)).toBe('registered');
    });
  },
);
