import { onFakeClock } from '../../../test/support/fake-clock.js';
import { MemoryPresenceStore } from './memory-presence.store.js';

const entries = (sut: MemoryPresenceStore) => (sut as unknown as { users: Map<string, unknown> }).users.size;

describe('MemoryPresenceStore', () => {
  describe('memory per user', () => {
    it('drops the entries of users who left long ago as others change, oldest first', async () => {
      const sut = new MemoryPresenceStore();
      for (let i = 0; i < 100; i++) await sut.setLastSeen(`gone-${i}`, 'seen', { now: i, ttlMs: 1000 });
      await sut.setLastSeen('gone-0', 'again', { now: 500, ttlMs: 1000 });
      for (let i = 0; i < 30; i++) await sut.setLastSeen(`new-${i}`, 'seen', { now: 1400 + i, ttlMs: 1000 });
      // Every first entry lapsed by 1400 but the one changed again at 500.
      expect(entries(sut)).toBe(31);
      expect((await sut.get(['gone-0'], 1400)).get('gone-0')).toEqual({ lastSeen: 'again' });
      sut.onModuleDestroy();
    });

    it('drops lapsed entries by itself while nothing changes', async () => {
      await onFakeClock(0, async (advanceTo) => {
        const sut = new MemoryPresenceStore();
        for (let i = 0; i < 100; i++) await sut.setStatus(`idle-${i}`, 'away', null, { now: 0, ttlMs: 1000 });
        advanceTo(500);
        expect(entries(sut)).toBe(100);
        advanceTo(2000);
        expect(entries(sut)).toBe(0);
        sut.onModuleDestroy();
      });
    });
  });
});
