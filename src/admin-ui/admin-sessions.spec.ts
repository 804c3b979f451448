import { AdminSessions } from './admin-sessions.js';

describe('AdminSessions', () => {
  let now: number;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  describe('doesSessionExist', () => {
    it('knows a saved id until its TTL passes', async () => {
      const sut = new AdminSessions(1000, 10, clock);
      sut.saveSession('a');
      expect(await sut.doesSessionExist('a')).toBe(true);
      expect(await sut.doesSessionExist('b')).toBe(false);
      now += 999;
      expect(await sut.doesSessionExist('a')).toBe(true);
      now += 1;
      expect(await sut.doesSessionExist('a')).toBe(false);
    });

    it('answers false for a non-string id', async () => {
      const sut = new AdminSessions(1000, 10, clock);
      expect(await sut.doesSessionExist({} as unknown as string)).toBe(false);
    });
  });

  describe('saveSession', () => {
    it('keeps at most `max` ids, dropping the oldest', async () => {
      const sut = new AdminSessions(1000, 2, clock);
      sut.saveSession('a');
      sut.saveSession('b');
      sut.saveSession('c');
      expect(await sut.doesSessionExist('a')).toBe(false);
      expect(await sut.doesSessionExist('b')).toBe(true);
      expect(await sut.doesSessionExist('c')).toBe(true);
    });

    it('drops expired ids as new ones arrive', async () => {
      const sut = new AdminSessions(1000, 10, clock);
      sut.saveSession('old');
      now += 1000;
      sut.saveSession('new');
      now -= 1000; // even read with an earlier clock, the expired one is gone
      expect(await sut.doesSessionExist('old')).toBe(false);
    });
  });
});
