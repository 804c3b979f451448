import { TurnQueue } from './turn-queue.js';

/** A TurnQueue on a hand-driven loop: `spend` advances the running turn, `nextTurn` runs what was deferred. */
function loop(budgetMs: number) {
  let now = 0;
  let turnStart = 0;
  let deferred: Array<() => void> = [];
  const queue = new TurnQueue(budgetMs, () => now - turnStart, () => now, (fn) => deferred.push(fn));
  return {
    queue,
    spend(ms: number) {
      now += ms;
    },
    nextTurn() {
      turnStart = now;
      const due = deferred;
      deferred = [];
      for (const fn of due) fn();
    },
    get deferred() {
      return deferred.length;
    },
  };
}

describe('TurnQueue', () => {
  it('runs work at once while the turn has budget left', () => {
    const l = loop(25);
    const ran: number[] = [];
    l.queue.run(() => ran.push(1));
    l.spend(10);
    l.queue.run(() => ran.push(2));
    expect(ran).toEqual([1, 2]);
    expect(l.deferred).toBe(0);
  });

  it('defers work past the budget to later turns, first in first out, each turn taking what fits', () => {
    const l = loop(25);
    const ran: number[] = [];
    const work = (n: number) => () => {
      ran.push(n);
      l.spend(10);
    };
    for (let n = 1; n <= 7; n++) l.queue.run(work(n));
    // 1, 2, 3 ran in this turn (0 → 30 ms); 4..7 wait.
    expect(ran).toEqual([1, 2, 3]);
    expect(l.queue.length).toBe(4);
    l.spend(5);
    expect(l.queue.oldestWaitMs()).toBe(5);
    l.nextTurn();
    expect(ran).toEqual([1, 2, 3, 4, 5, 6]);
    // Work arriving while others wait goes behind them.
    l.queue.run(work(8));
    expect(ran).toEqual([1, 2, 3, 4, 5, 6]);
    l.nextTurn();
    expect(ran).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(l.queue.length).toBe(0);
    expect(l.queue.oldestWaitMs()).toBe(0);
  });

  it('with budget 0 runs everything at once (pacing off)', () => {
    const l = loop(0);
    const ran: number[] = [];
    for (let n = 1; n <= 3; n++)
      l.queue.run(() => {
        ran.push(n);
        l.spend(100);
      });
    expect(ran).toEqual([1, 2, 3]);
    expect(l.deferred).toBe(0);
  });
});
