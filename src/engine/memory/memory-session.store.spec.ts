import { onFakeClock } from '../../../test/support/fake-clock.js';
import type { SessionRules } from '../session.store.js';
import { MemorySessionStore } from './memory-session.store.js';

const rules = (now: number): SessionRules => ({ policy: 'single', maxPerUser: 10, revokeTtlMs: 1000, now });
const entries = (sut: MemorySessionStore) => (sut as unknown as { users: Map<string, unknown> }).users.size;

describe('MemorySessionStore', () => {
  describe('memory per user', () => {
    it('keeps no entry for a user once nothing of theirs is live or revoked', async () => {
      const sut = new MemorySessionStore();
      await sut.claim('u', 's1', rules(0));
      await sut.claim('u', 's2', rules(10));
      expect(entries(sut)).toBe(1);

      // s1's revocation lapses at 1010 and s2 was last seen at 10.
      expect(await sut.liveSessions('u', rules(1010))).toEqual([]);
      expect(entries(sut)).toBe(0);
      expect(await sut.isRevoked('u', 's1', 1010)).toBe(false);
    });

    it('keeps a user whose sessions are all revoked until the revocations lapse', async () => {
      const sut = new MemorySessionStore();
      await sut.claim('u', 's1', rules(0));
      expect(await sut.revokeLive('u', rules(0))).toEqual(['s1']);
      expect(entries(sut)).toBe(1);
      expect(await sut.claim('u', 's1', rules(999))).toEqual({ accepted: false });

      expect(await sut.liveSessions('u', rules(1000))).toEqual([]);
      expect(entries(sut)).toBe(0);
    });

    it('drops the entries of users who never come back, once everything in them lapsed, as others connect', async () => {
      const sut = new MemorySessionStore();
      for (let i = 0; i < 100; i++) await sut.claim(`gone-${i}`, 's', rules(i));
      expect(entries(sut)).toBe(100);
      // Long after: every one of them lapsed; other users' connects clear them away.
      for (let i = 0; i < 30; i++) await sut.claim(`new-${i}`, 's', rules(5000 + i));
      expect(entries(sut)).toBe(30);
    });

    it('drops lapsed entries by itself while nobody connects', async () => {
      await onFakeClock(0, async (advanceTo) => {
        const sut = new MemorySessionStore();
        for (let i = 0; i < 100; i++) await sut.claim(`idle-${i}`, 's', rules(0));
        // Lapsed at 1000; the next round of the sweep (every second) drops them.
        advanceTo(2000);
        expect(entries(sut)).toBe(0);
        sut.onModuleDestroy();
      });
    });
  });
});
