import { SlicedWrites } from './sliced-writes.js';

/** A hand-driven loop: `clock` moves when the test says, `turn()` runs what was scheduled for the next turn. */
function loop() {
  let clock = 0;
  let scheduled: Array<() => void> = [];
  return {
    now: () => clock,
    later: (fn: () => void) => scheduled.push(fn),
    advance: (ms: number) => (clock += ms),
    pending: () => scheduled.length,
    turn: () => {
      const run = scheduled;
      scheduled = [];
      for (const fn of run) fn();
    },
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** A write that takes 1 ms of the hand clock, and how many were made. */
function timedWrites(l: ReturnType<typeof loop>) {
  let made = 0;
  return {
    write: () => {
      made += 1;
      l.advance(1);
    },
    count: () => made,
  };
}

describe('SlicedWrites', () => {
  it('writes a small delivery at once, without looking at the clock or scheduling anything', () => {
    const l = loop();
    let looks = 0;
    const writes = new SlicedWrites<number>(10, () => (looks += 1) && l.now(), l.later, 4);
    const seen: Array<[number, boolean]> = [];
    writes.deliver([1, 2, 3], (t, late) => seen.push([t, late]));
    expect(seen).toEqual([[1, false], [2, false], [3, false]]);
    expect(looks).toBe(0);
    expect(l.pending()).toBe(0);
  });

  it('spreads a large delivery over turns of the slice, marking the deferred part late', () => {
    const l = loop();
    const writes = new SlicedWrites<number>(10, l.now, l.later, 4);
    const seen: Array<[number, boolean]> = [];
    // Each write takes 1 ms of the hand clock.
    writes.deliver(range(0, 40), (t, late) => {
      seen.push([t, late]);
      l.advance(1);
    });
    // The slice starts at the first look (after 4 writes) and is spent 10 ms later, at a look.
    expect(seen.length).toBe(16);
    expect(seen.every(([, late]) => !late)).toBe(true);
    expect(writes.backlog).toBe(1);
    l.turn();
    expect(seen.length).toBe(28);
    l.turn();
    expect(seen.length).toBe(40);
    expect(seen.map(([t]) => t)).toEqual(range(0, 40));
    expect(seen.slice(16).every(([, late]) => late)).toBe(true);
    expect(writes.backlog).toBe(0);
    l.turn();
    expect(l.pending()).toBe(0);
  });

  it('queues every delivery behind one still being written, so each target sees them in arrival order', () => {
    const l = loop();
    const writes = new SlicedWrites<string>(10, l.now, l.later, 4);
    const bySocket = new Map<string, number[]>();
    const writer = (message: number) => (t: string) => {
      bySocket.set(t, [...(bySocket.get(t) ?? []), message]);
      l.advance(1);
    };
    const room = range(0, 30).map((i) => `s${i}`);
    writes.deliver(room, writer(1));
    // A one-socket delivery to the room's last socket, which message 1 has not reached yet.
    writes.deliver(['s29'], writer(2));
    expect(bySocket.get('s29')).toBeUndefined();
    writes.deliver(room, writer(3));
    while (writes.backlog > 0) l.turn();
    for (const id of room.slice(0, 29)) expect(bySocket.get(id)).toEqual([1, 3]);
    expect(bySocket.get('s29')).toEqual([1, 2, 3]);
  });

  it('shares one slice between the large deliveries of a turn', () => {
    const l = loop();
    const writes = new SlicedWrites<number>(10, l.now, l.later, 4);
    const { write, count } = timedWrites(l);
    writes.deliver(range(0, 8), write);
    expect(count()).toBe(8);
    // Same turn: the slice started at the first look (4 writes in) and has 6 ms left.
    writes.deliver(range(0, 20), write);
    expect(count()).toBe(8 + 8);
    l.turn();
    expect(count()).toBe(8 + 20);
  });

  it('gives deferred writes as long as the rest of the loop took since their last turn, up to four slices', () => {
    const l = loop();
    const writes = new SlicedWrites<number>(10, l.now, l.later, 4);
    const { write, count } = timedWrites(l);
    writes.deliver(range(0, 400), write);
    expect(count()).toBe(16);
    l.turn();
    expect(count()).toBe(16 + 12);
    // Other work (handshakes of a storm) holds the loop for 30 ms before the next turn: writes get 30 too.
    l.advance(30);
    l.turn();
    expect(count()).toBe(28 + 32);
    // 100 ms of other work: capped at four slices.
    l.advance(100);
    l.turn();
    expect(count()).toBe(60 + 40);
    // Nothing else ran: back to one slice.
    l.turn();
    expect(count()).toBe(100 + 12);
  });

  it('writes everything at once with slicing off', () => {
    const l = loop();
    const writes = new SlicedWrites<number>(0, l.now, l.later, 4);
    const { write, count } = timedWrites(l);
    writes.deliver(range(0, 100), write);
    expect(count()).toBe(100);
    expect(l.pending()).toBe(0);
  });
});
