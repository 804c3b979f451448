import type { ConnectionStore } from '../../src/engine/connection.store.js';
import { MemoryConnectionStore } from '../../src/engine/memory/memory-connection.store.js';
import { RedisConnectionStore } from '../../src/engine/redis/redis-connection.store.js';
import { fresh, storeContract, T0 } from './store-contract.js';

storeContract<ConnectionStore>(
  'ConnectionStore',
  { memory: () => new MemoryConnectionStore(), redis: (c) => new RedisConnectionStore(c) },
  (ctx) => {
    it('reports the first and the last socket of a user, and counts users on live nodes', async () => {
      const [u1, u2, node] = [fresh(), fresh(), `node-${fresh()}`];
      await ctx.store.heartbeat(node, T0, 10_000);
      expect(await ctx.store.add(u1, 'sock-1', node)).toEqual({ first: true });
      expect(await ctx.store.add(u1, 'sock-2', node)).toEqual({ first: false });
      expect(await ctx.store.socketCounts([u1, u2], T0)).toEqual(new Map([[u1, 2]]));
      expect(await ctx.store.onlineUsers([u1, u2], T0)).toEqual(new Set([u1]));
      expect(await ctx.store.remove(u1, 'sock-1', node)).toEqual({ last: false });
      expect(await ctx.store.remove(u1, 'sock-1', node)).toEqual({ last: false });
      expect(await ctx.store.remove(u1, 'sock-2', node)).toEqual({ last: true });
      expect(await ctx.store.onlineUsers([u1], T0)).toEqual(new Set());
    });

    it('counts a socket added twice once, and the only socket added again is still the first', async () => {
      const [u, node] = [fresh(), `node-${fresh()}`];
      await ctx.store.heartbeat(node, T0, 10_000);
      expect(await ctx.store.add(u, 'sock-1', node)).toEqual({ first: true });
      expect(await ctx.store.add(u, 'sock-1', node)).toEqual({ first: true });
      expect(await ctx.store.socketCounts([u], T0)).toEqual(new Map([[u, 1]]));
      expect(await ctx.store.add(u, 'sock-2', node)).toEqual({ first: false });
      expect(await ctx.store.socketCounts([u], T0)).toEqual(new Map([[u, 2]]));
      expect(await ctx.store.remove(u, 'sock-2', node)).toEqual({ last: false });
      expect(await ctx.store.remove(u, 'sock-1', node)).toEqual({ last: true });
    });

    it('counts concurrent connects as exactly one first socket', async () => {
      const [u, node] = [fresh(), `node-${fresh()}`];
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => ctx.store.add(u, `s${i}`, node)));
      expect(results.filter((r) => r.first)).toHaveLength(1);
      const removed = await Promise.all(Array.from({ length: 10 }, (_, i) => ctx.store.remove(u, `s${i}`, node)));
      expect(removed.filter((r) => r.last)).toHaveLength(1);
    });

    it("stops counting a dead node's sockets once its heartbeat lapses, and one sweeper removes them", async () => {
      const [u, alsoElsewhere, dead, alive] = [fresh(), fresh(), `node-${fresh()}`, `node-${fresh()}`];
      const now = T0;
      await ctx.store.heartbeat(dead, now - 2000, 1000);
      await ctx.store.heartbeat(alive, now, 60_000);
      await ctx.store.add(u, 'sock', dead);
      await ctx.store.add(alsoElsewhere, 'a', dead);
      await ctx.store.add(alsoElsewhere, 'b', alive);
      expect((await ctx.store.onlineUsers([u, alsoElsewhere], now)).has(u)).toBe(false);
      expect(await ctx.store.deadNodes(now)).toContain(dead);
      const sweeps = await Promise.all([ctx.store.sweepNode(dead, 0), ctx.store.sweepNode(dead, 0)]);
      expect(sweeps.flat()).toEqual([u]);
      expect(await ctx.store.deadNodes(now)).not.toContain(dead);
      expect(await ctx.store.socketCounts([u, alsoElsewhere], now)).toEqual(new Map([[alsoElsewhere, 1]]));
    });

    it('answers right at each instant in a series of counts: a node lapses on time, a new node counts at once', async () => {
      const [u, v, early, late] = [fresh(), fresh(), `node-${fresh()}`, `node-${fresh()}`];
      const t = T0;
      await ctx.store.heartbeat(early, t, 100);
      await ctx.store.add(u, 'sock', early);
      expect(await ctx.store.socketCounts([u], t + 50)).toEqual(new Map([[u, 1]]));
      // 100 ms later by the caller's clock the node's heartbeat has lapsed, although it was live a moment ago.
      expect(await ctx.store.socketCounts([u], t + 150)).toEqual(new Map());
      await ctx.store.heartbeat(late, t + 150, 60_000);
      await ctx.store.add(v, 'sock', late);
      expect(await ctx.store.socketCounts([v], t + 160)).toEqual(new Map([[v, 1]]));
      await ctx.store.remove(u, 'sock', early);
      await ctx.store.remove(v, 'sock', late);
    });

    it('says whether a beating node was listed live, lists the live nodes, and lapses one at once when told it is gone', async () => {
      const [gone, stays, u] = [`node-${fresh()}`, `node-${fresh()}`, fresh()];
      expect(await ctx.store.heartbeat(gone, T0, 60_000)).toEqual({ wasLive: false });
      expect(await ctx.store.heartbeat(gone, T0 + 10, 60_000)).toEqual({ wasLive: true });
      await ctx.store.heartbeat(stays, T0, 60_000);
      await ctx.store.add(u, 'sock', gone);
      expect(await ctx.store.liveNodes(T0 + 20)).toEqual(expect.arrayContaining([gone, stays]));
      expect(await ctx.other.onlineUsers([u], T0 + 20)).toEqual(new Set([u]));

      await ctx.other.expire(gone, T0 + 30);
      expect(await ctx.store.liveNodes(T0 + 30)).not.toContain(gone);
      expect(await ctx.store.onlineUsers([u], T0 + 30)).toEqual(new Set());
      expect(await ctx.store.deadNodes(T0 + 30)).toContain(gone);
      expect(await ctx.store.sweepNode(gone, 60_000)).toEqual([u]);
      // Swept while it still runs: its next beat says it was not listed (it registers its sockets again).
      expect(await ctx.store.heartbeat(gone, T0 + 40, 60_000)).toEqual({ wasLive: false });
    });

    it("keeps a socket that another node registered under the same id since (recovered there) when the first node removes or sweeps it", async () => {
      const [u, a, b] = [fresh(), `node-${fresh()}`, `node-${fresh()}`];
      await ctx.store.heartbeat(a, T0, 60_000);
      await ctx.store.heartbeat(b, T0, 60_000);
      await ctx.store.add(u, 'same-id', a);
      await ctx.other.add(u, 'same-id', b);
      expect(await ctx.store.remove(u, 'same-id', a)).toEqual({ last: false });
      expect(await ctx.store.socketCounts([u], T0)).toEqual(new Map([[u, 1]]));
      await ctx.store.expire(a, T0 + 1);
      expect(await ctx.store.sweepNode(a, 0)).toEqual([]);
      expect(await ctx.other.socketCounts([u], T0 + 1)).toEqual(new Map([[u, 1]]));
      expect(await ctx.other.remove(u, 'same-id', b)).toEqual({ last: true });
    });

    it("lists what a node registered, and a removal or another node's registration changes only its own list", async () => {
      const [u1, u2, a, b] = [fresh(), fresh(), `node-${fresh()}`, `node-${fresh()}`];
      await ctx.store.add(u1, 'sock-1', a);
      await ctx.store.add(u1, 'sock-2', a);
      await ctx.store.add(u2, 'sock-3', b);
      const sorted = (list: Array<[string, string]>) => [...list].sort((x, y) => x[1].localeCompare(y[1]));
      expect(sorted(await ctx.store.registeredBy(a))).toEqual([[u1, 'sock-1'], [u1, 'sock-2']]);
      expect(await ctx.other.registeredBy(b)).toEqual([[u2, 'sock-3']]);
      await ctx.store.remove(u1, 'sock-1', a);
      expect(await ctx.store.registeredBy(a)).toEqual([[u1, 'sock-2']]);
      await ctx.store.remove(u1, 'sock-2', a);
      await ctx.store.remove(u2, 'sock-3', b);
      expect(await ctx.store.registeredBy(a)).toEqual([]);
    });

    it('pages over every user with a socket', async () => {
      const node = `node-${fresh()}`;
      const users = Array.from({ length: 7 }, () => fresh());
      for (const u of users) await ctx.store.add(u, 'only', node);
      const seen = new Set<string>();
      let cursor = '0';
      for (let i = 0; i < 1000; i++) {
        const page = await ctx.store.scanOnline(cursor, 3);
        page.userIds.forEach((u) => seen.add(u));
        cursor = page.cursor;
        if (cursor === '0') break;
      }
      for (const u of users) expect(seen.has(u)).toBe(true);
      for (const u of users) await ctx.store.remove(u, 'only', node);
    });
  },
);
