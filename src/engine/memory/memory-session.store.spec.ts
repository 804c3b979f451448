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
  });
});
