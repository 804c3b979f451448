import { MemoryRateLimitStore } from './memory-rate-limit.store.js';

describe('MemoryRateLimitStore', () => {
  let sut: MemoryRateLimitStore;

  beforeEach(() => {
    sut = new MemoryRateLimitStore();
  });

  describe('hit', () => {
    it('slides exactly: a hit stops counting once it is windowMs old', async () => {
      const t = 1_000_000;
      for (let i = 0; i < 5; i++) expect((await sut.hit('k', 5, 1000, t + i * 100)).allowed).toBe(true);
      expect(await sut.hit('k', 5, 1000, t + 999)).toEqual({ allowed: false, retryAfterMs: 1 });
      // At t + 1000 the first hit (t) has expired: one more is allowed, then refused again.
      expect((await sut.hit('k', 5, 1000, t + 1000)).allowed).toBe(true);
      expect(await sut.hit('k', 5, 1000, t + 1001)).toEqual({ allowed: false, retryAfterMs: 99 });
    });

    it('keeps counting right over many hits with a large limit', async () => {
      const t = 2_000_000;
      for (let i = 0; i < 5000; i++) expect((await sut.hit('busy', 1_000_000, 60_000, t + i)).allowed).toBe(true);
      // 60 s later only the hits of the last 100 ms are still in the window.
      expect((await sut.peek('busy', 101, 60_000, t + 4999 + 60_000 - 100)).allowed).toBe(true);
      expect((await sut.peek('busy', 100, 60_000, t + 4999 + 60_000 - 100)).allowed).toBe(false);
    });

    it('accepts a clock that went backwards', async () => {
      const t = 3_000_000;
      await sut.hit('k', 3, 1000, t + 500);
      await sut.hit('k', 3, 1000, t + 100);
      await sut.hit('k', 3, 1000, t + 300);
      // The oldest hit (t + 100) decides when room frees up.
      expect(await sut.hit('k', 3, 1000, t + 600)).toEqual({ allowed: false, retryAfterMs: 500 });
      expect((await sut.hit('k', 3, 1000, t + 1101)).allowed).toBe(true);
    });

    it('drops idle windows as new hits arrive, so keys do not pile up', async () => {
      const t = 4_000_000;
      for (let i = 0; i < 1000; i++) await sut.hit(`idle-${i}`, 10, 1000, t);
      for (let i = 0; i < 1000; i++) await sut.hit(`later-${i}`, 10, 1000, t + 5000 + i);
      const size = (sut as unknown as { windows: Map<string, unknown> }).windows.size;
      expect(size).toBeLessThanOrEqual(1000);
      // A window still in use is never dropped.
      expect((await sut.peek('later-999', 1, 1000, t + 5999)).allowed).toBe(false);
    });
  });
});
