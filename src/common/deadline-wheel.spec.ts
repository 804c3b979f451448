import { DeadlineWheel } from './deadline-wheel.js';

describe('DeadlineWheel', () => {
  let now: number;
  let fired: string[];
  let sut: DeadlineWheel<string>;

  beforeEach(() => {
    now = 1_000_000;
    fired = [];
    sut = new DeadlineWheel<string>(100, (item) => fired.push(item), () => now);
  });
  afterEach(() => sut.stop());

  describe('schedule', () => {
    it('fires an item once, not before its deadline', () => {
      sut.schedule('a', now + 250);
      now += 249;
      sut.advance();
      expect(fired).toEqual([]);
      now += 51;
      sut.advance();
      expect(fired).toEqual(['a']);
      now += 1000;
      sut.advance();
      expect(fired).toEqual(['a']);
      expect(sut.size).toBe(0);
    });

    it('moves an item that is scheduled again', () => {
      sut.schedule('a', now + 100);
      sut.schedule('a', now + 500);
      now += 300;
      sut.advance();
      expect(fired).toEqual([]);
      now += 200;
      sut.advance();
      expect(fired).toEqual(['a']);
    });

    it('fires a deadline already past on the next tick', () => {
      sut.schedule('late', now - 5000);
      now += 100;
      sut.advance();
      expect(fired).toEqual(['late']);
    });

    it('fires everything due after a long stall, in deadline order', () => {
      sut.schedule('b', now + 50_000);
      sut.schedule('a', now + 200);
      sut.schedule('c', now + 900_000);
      now += 100_000;
      sut.advance();
      expect(fired).toEqual(['a', 'b']);
      expect(sut.size).toBe(1);
    });
  });

  describe('cancel', () => {
    it('keeps a cancelled item from firing, also when cancelled by another item of the same bucket', () => {
      const wheel = new DeadlineWheel<string>(100, (item) => {
        fired.push(item);
        if (item === 'a') wheel.cancel('b');
      }, () => now);
      wheel.schedule('a', now + 10);
      wheel.schedule('b', now + 20);
      wheel.schedule('c', now + 30);
      wheel.cancel('c');
      now += 100;
      wheel.advance();
      expect(fired).toEqual(['a']);
      expect(wheel.size).toBe(0);
      wheel.stop();
    });
  });

  describe('advance', () => {
    it('re-arms an item scheduled again from its own callback into a later bucket', () => {
      let rounds = 0;
      const wheel = new DeadlineWheel<string>(100, (item) => {
        fired.push(item);
        if (++rounds < 3) wheel.schedule(item, now + 100);
      }, () => now);
      wheel.schedule('x', now + 100);
      for (let i = 0; i < 5; i++) {
        now += 100;
        wheel.advance();
      }
      expect(fired).toEqual(['x', 'x', 'x']);
      wheel.stop();
    });
  });
});
