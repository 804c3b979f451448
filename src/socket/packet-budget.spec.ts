import { PacketBudget } from './packet-budget.js';

describe('PacketBudget', () => {
  let now: number;
  let sut: PacketBudget;

  beforeEach(() => {
    now = 1_000_000;
    sut = new PacketBudget(10, () => now);
  });

  describe('spend', () => {
    it('lets a burst of five seconds\' worth through and refuses the next packet', () => {
      const socket = {};
      for (let i = 0; i < 50; i++) expect(sut.spend(socket)).toBe(true);
      expect(sut.spend(socket)).toBe(false);
    });

    it('keeps each holder\'s budget apart', () => {
      const a = {};
      const b = {};
      for (let i = 0; i < 50; i++) sut.spend(a);
      expect(sut.spend(a)).toBe(false);
      expect(sut.spend(b)).toBe(true);
    });

    it('accepts a sustained rate at the limit forever', () => {
      const socket = {};
      for (let i = 0; i < 1000; i++) {
        now += 100;
        expect(sut.spend(socket)).toBe(true);
      }
    });

    it('refuses a sustained rate above the limit once the average over 5 s exceeds it', () => {
      const socket = {};
      let accepted = 0;
      // 20 per second against a limit of 10: the bucket fills by 10 a second and overflows after ~5 s.
      while (sut.spend(socket)) {
        accepted++;
        now += 50;
      }
      expect(accepted).toBeGreaterThanOrEqual(95);
      expect(accepted).toBeLessThanOrEqual(105);
    });

    it('refills while the holder is quiet', () => {
      const socket = {};
      for (let i = 0; i < 50; i++) sut.spend(socket);
      now += 1000;
      for (let i = 0; i < 10; i++) expect(sut.spend(socket)).toBe(true);
      expect(sut.spend(socket)).toBe(false);
    });
  });
});
