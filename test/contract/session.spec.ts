import { MemorySessionStore } from '../../src/engine/memory/memory-session.store.js';
import { RedisSessionStore } from '../../src/engine/redis/redis-session.store.js';
import type { SessionRules, SessionStore } from '../../src/engine/session.store.js';
import { fresh, storeContract, T0 } from './store-contract.js';

const single = (now = T0): SessionRules => ({ policy: 'single', maxPerUser: 10, revokeTtlMs: 60_000, now });
const multi = (max: number, now = T0): SessionRules => ({ policy: 'multi', maxPerUser: max, revokeTtlMs: 60_000, now });

storeContract<SessionStore>(
  'SessionStore',
  { memory: () => new MemorySessionStore(), redis: (c) => new RedisSessionStore(c) },
  (ctx) => {
    describe('single policy', () => {
      it('accepts a first session and the same session again', async () => {
        const u = fresh();
        expect(await ctx.store.claim(u, 's1', single())).toEqual({ accepted: true, revoked: [] });
        expect(await ctx.store.claim(u, 's1', single())).toEqual({ accepted: true, revoked: [] });
        expect(await ctx.store.liveSessions(u, single())).toEqual(['s1']);
      });

      it('replaces the active session and refuses the replaced one (no ping-pong)', async () => {
        const u = fresh();
        await ctx.store.claim(u, 's1', single());
        expect(await ctx.store.claim(u, 's2', single())).toEqual({ accepted: true, revoked: ['s1'] });
        expect(await ctx.store.isRevoked(u, 's1', T0)).toBe(true);
        expect(await ctx.store.claim(u, 's1', single())).toEqual({ accepted: false });
        expect(await ctx.store.liveSessions(u, single())).toEqual(['s2']);
      });

      it('ends two racing sessions with exactly one live and the other revoked', async () => {
        for (let i = 0; i < 25; i++) {
          const u = fresh();
          const [a, b] = await Promise.all([ctx.store.claim(u, 'A', single()), ctx.other.claim(u, 'B', single())]);
          expect(a.accepted || b.accepted).toBe(true);
          const live = await ctx.store.liveSessions(u, single());
          expect(live).toHaveLength(1);
          const loser = live[0] === 'A' ? 'B' : 'A';
          expect(await ctx.other.isRevoked(u, loser, T0)).toBe(true);
        }
      });

      it('forceActive revokes every other session and un-revokes the named one', async () => {
        const u = fresh();
        await ctx.store.claim(u, 's1', single());
        await ctx.store.claim(u, 's2', single());
        expect(await ctx.store.forceActive(u, 's1', single())).toEqual(['s2']);
        expect(await ctx.store.isRevoked(u, 's1', T0)).toBe(false);
        expect(await ctx.store.isRevoked(u, 's2', T0)).toBe(true);
        expect(await ctx.store.claim(u, 's1', single())).toEqual({ accepted: true, revoked: [] });
      });

      it('revokeLive revokes the live session but a new session may connect', async () => {
        const u = fresh();
        await ctx.store.claim(u, 's1', single());
        expect(await ctx.store.revokeLive(u, single())).toEqual(['s1']);
        expect(await ctx.store.claim(u, 's1', single())).toEqual({ accepted: false });
        expect(await ctx.store.claim(u, 's3', single())).toEqual({ accepted: true, revoked: [] });
      });

      it("forgets a revocation exactly revokeTtlMs after it, by the caller's clock", async () => {
        const u = fresh();
        const at = (now: number): SessionRules => ({ ...single(now), revokeTtlMs: 50 });
        await ctx.store.claim(u, 's1', at(T0));
        await ctx.store.claim(u, 's2', at(T0 + 10));
        expect(await ctx.store.isRevoked(u, 's1', T0 + 59)).toBe(true);
        expect(await ctx.store.claim(u, 's1', at(T0 + 59))).toEqual({ accepted: false });
        expect(await ctx.store.isRevoked(u, 's1', T0 + 60)).toBe(false);
        // s2 was last seen at T0 + 10: by T0 + 60 it has lapsed too, so s1 supersedes nobody.
        expect(await ctx.store.claim(u, 's1', at(T0 + 60))).toEqual({ accepted: true, revoked: [] });
      });

      it("revokes at the caller's instant: each revocation lasts revokeTtlMs from when it was made", async () => {
        const u = fresh();
        const at = (now: number): SessionRules => ({ ...single(now), revokeTtlMs: 10_000 });
        await ctx.store.claim(u, 's1', at(T0));
        await ctx.store.claim(u, 's2', at(T0 + 5000));
        expect(await ctx.store.isRevoked(u, 's1', T0 + 14_999)).toBe(true);
        expect(await ctx.store.isRevoked(u, 's1', T0 + 15_000)).toBe(false);
        expect(await ctx.store.forceActive(u, 's3', at(T0 + 6000))).toEqual(['s2']);
        expect(await ctx.store.isRevoked(u, 's2', T0 + 15_999)).toBe(true);
        expect(await ctx.store.isRevoked(u, 's2', T0 + 16_000)).toBe(false);
        expect(await ctx.store.revokeLive(u, at(T0 + 7000))).toEqual(['s3']);
        expect(await ctx.store.isRevoked(u, 's3', T0 + 16_999)).toBe(true);
        expect(await ctx.store.isRevoked(u, 's3', T0 + 17_000)).toBe(false);
        expect(await ctx.store.liveSessions(u, at(T0 + 7000))).toEqual([]);
      });

      it('a live session not seen again within revokeTtlMs no longer counts as live', async () => {
        const u = fresh();
        const at = (now: number): SessionRules => ({ ...multi(5, now), revokeTtlMs: 1000 });
        await ctx.store.claim(u, 'old', at(T0));
        await ctx.store.claim(u, 'new', at(T0 + 500));
        expect((await ctx.store.liveSessions(u, at(T0 + 999))).sort()).toEqual(['new', 'old']);
        expect(await ctx.store.liveSessions(u, at(T0 + 1000))).toEqual(['new']);
        // Lapsed, not revoked: it may connect again.
        expect(await ctx.store.isRevoked(u, 'old', T0 + 1000)).toBe(false);
        expect(await ctx.store.claim(u, 'old', at(T0 + 1000))).toEqual({ accepted: true, revoked: [] });
      });
    });

    describe('multi policy', () => {
      it('keeps sessions up to the limit and revokes the oldest beyond it', async () => {
        const u = fresh();
        expect((await ctx.store.claim(u, 'a', multi(2, T0))).accepted).toBe(true);
        expect(await ctx.store.claim(u, 'b', multi(2, T0 + 1))).toEqual({ accepted: true, revoked: [] });
        expect(await ctx.store.claim(u, 'c', multi(2, T0 + 2))).toEqual({ accepted: true, revoked: ['a'] });
        expect((await ctx.store.liveSessions(u, multi(2, T0 + 2))).sort()).toEqual(['b', 'c']);
        expect(await ctx.store.claim(u, 'a', multi(2, T0 + 3))).toEqual({ accepted: false });
      });

      it('orders sessions by their last connect: a reconnect makes a session the newest', async () => {
        const u = fresh();
        await ctx.store.claim(u, 'a', multi(2, T0));
        await ctx.store.claim(u, 'b', multi(2, T0 + 1));
        await ctx.store.claim(u, 'a', multi(2, T0 + 2));
        expect(await ctx.store.claim(u, 'c', multi(2, T0 + 3))).toEqual({ accepted: true, revoked: ['b'] });
      });
    });
  },
);
