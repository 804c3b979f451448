import { Semaphore } from './semaphore.js';

describe('Semaphore', () => {
  describe('acquire', () => {
    it('admits up to the limit at once and the others in arrival order as slots free', async () => {
      const sut = new Semaphore(2);
      const order: number[] = [];
      const releases = await Promise.all([sut.acquire(), sut.acquire()]);
      const waiting = [3, 4].map((i) => sut.acquire().then((release) => (order.push(i), release)));
      expect(sut.active).toBe(2);
      expect(sut.queued).toBe(2);
      releases[0]();
      releases[0](); // releasing twice frees one slot only
      const third = await waiting[0];
      expect(order).toEqual([3]);
      expect(sut.queued).toBe(1);
      releases[1]();
      (await waiting[1])();
      third();
      expect(sut.active).toBe(0);
      expect(order).toEqual([3, 4]);
    });
  });
});
