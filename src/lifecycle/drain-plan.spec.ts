import { planWaves, WAVE_INTERVAL_MS } from './drain-plan.js';

/** A repeatable random source (a linear congruential generator). */
function seeded(seed = 42): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `s${i}`);

describe('planWaves', () => {
  it('moves every socket exactly once', () => {
    const sut = planWaves(ids(1000), 10_000, seeded());
    const moved = sut.flatMap((w) => w.moves.map((m) => m.socketId));
    expect(moved).toHaveLength(1000);
    expect(new Set(moved)).toEqual(new Set(ids(1000)));
  });

  it('spaces the waves evenly over the spread, the same number of sockets in each', () => {
    const sut = planWaves(ids(1000), 10_000, seeded());
    expect(sut).toHaveLength(10_000 / WAVE_INTERVAL_MS);
    expect(sut.map((w) => w.atMs)).toEqual(sut.map((_, k) => k * WAVE_INTERVAL_MS));
    for (const wave of sut) expect(wave.moves).toHaveLength(10);
  });

  it('tells each socket a random delay within its slot, so the returns fill the spread and end with it', () => {
    const sut = planWaves(ids(1000), 10_000, seeded());
    const returns = sut.flatMap((w) => w.moves.map((m) => w.atMs + m.reconnectAfterMs));
    for (const wave of sut) for (const m of wave.moves) expect(m.reconnectAfterMs).toBeGreaterThanOrEqual(0);
    for (const wave of sut) for (const m of wave.moves) expect(m.reconnectAfterMs).toBeLessThan(WAVE_INTERVAL_MS);
    expect(Math.max(...returns)).toBeLessThan(10_000);
    // Uniform: each tenth of the spread receives about a tenth of the returns.
    const perTenth = Array.from({ length: 10 }, (_, k) => returns.filter((t) => t >= k * 1000 && t < (k + 1) * 1000).length);
    for (const n of perTenth) expect(n).toBe(100);
  });

  it('uses fewer waves than sockets allow, each socket alone, when there are few', () => {
    const sut = planWaves(ids(4), 1000, seeded());
    expect(sut.map((w) => w.atMs)).toEqual([0, 250, 500, 750]);
    for (const wave of sut) expect(wave.moves).toHaveLength(1);
    for (const wave of sut) expect(wave.moves[0].reconnectAfterMs).toBeLessThan(250);
  });

  it('moves everybody at once without a spread', () => {
    const sut = planWaves(ids(50), 0, seeded());
    expect(sut).toEqual([{ atMs: 0, moves: expect.any(Array) }]);
    expect(sut[0].moves.every((m) => m.reconnectAfterMs === 0)).toBe(true);
  });

  it('plans nothing for no sockets', () => {
    expect(planWaves([], 10_000)).toEqual([]);
  });

  it('randomises the order: the first wave is not the first sockets', () => {
    const sut = planWaves(ids(1000), 10_000, seeded());
    expect(sut[0].moves.map((m) => m.socketId)).not.toEqual(ids(10));
  });
});
