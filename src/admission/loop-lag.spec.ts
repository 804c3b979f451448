import { HANDSHAKE_LOAD, INTAKE_LOAD, LAG_TICK_MS, LAG_WINDOW_MS, LagMeter, overloaded } from './loop-lag.js';

const SWAMPED_FACTOR = INTAKE_LOAD.swampedFactor;

/** Ticks every LAG_TICK_MS from `at` for `ms`, each `late` ms late; returns the time after. */
function run(meter: LagMeter, at: number, ms: number, late = 0): number {
  const end = at + ms;
  while (at < end) {
    at += LAG_TICK_MS + late;
    meter.tick(at);
  }
  return at;
}

const BOUND = 50;

describe('LagMeter', () => {
  it('reads 0 on a loop that keeps time', () => {
    const meter = new LagMeter(0);
    const now = run(meter, 0, 2000);
    expect(meter.ms(now)).toBe(0);
    expect(meter.late(now, BOUND)).toBe(false);
  });

  it('lets one long pause (a major garbage collection) pass: right after it the loop is not late', () => {
    const meter = new LagMeter(0);
    let now = run(meter, 0, 2000);
    now += LAG_TICK_MS + 450;
    meter.tick(now);
    expect(meter.late(now, BOUND)).toBe(false);
    expect(meter.mean(now)).toBe(0);
    expect(meter.ms(now)).toBe(0);
  });

  it('lets one long pause pass on a loop already busy with long turns (the pause is left out of the mean)', () => {
    const meter = new LagMeter(0);
    // Turns of 50 ms (40 ms late each): about 20 ticks a second, near the bound but under it.
    let now = run(meter, 0, 2000, 40);
    expect(meter.late(now, BOUND)).toBe(false);
    now += LAG_TICK_MS + 300;
    meter.tick(now);
    now = run(meter, now, 300, 40);
    // With the pause counted, the mean would be about (19 × 40 + 300) / 20 = 53 ms: late.
    expect(meter.mean(now)).toBeCloseTo(40, 5);
    expect(meter.late(now, BOUND)).toBe(false);
    // A second pause within the same second is no longer "one pause".
    now += LAG_TICK_MS + 300;
    meter.tick(now);
    expect(meter.late(now, BOUND)).toBe(true);
  });

  it('reads a loop that is late turn after turn as late between its turns', () => {
    const meter = new LagMeter(0);
    const now = run(meter, 0, 3000, 80);
    expect(meter.mean(now)).toBeCloseTo(80, 5);
    expect(meter.current(now)).toBe(0);
    expect(meter.late(now, BOUND)).toBe(true);
  });

  it('reads a turn still running past SWAMPED_FACTOR × the bound as late on its own (a swamp of arrivals)', () => {
    const meter = new LagMeter(0);
    const now = run(meter, 0, 2000);
    expect(meter.swamped(now + LAG_TICK_MS + SWAMPED_FACTOR * BOUND - 1, BOUND, SWAMPED_FACTOR)).toBe(false);
    expect(meter.swamped(now + LAG_TICK_MS + SWAMPED_FACTOR * BOUND + 1, BOUND, SWAMPED_FACTOR)).toBe(true);
    expect(meter.late(now + LAG_TICK_MS + SWAMPED_FACTOR * BOUND + 1, BOUND)).toBe(false);
    expect(meter.current(now + LAG_TICK_MS + 120)).toBe(120);
  });

  it('forgets lateness older than the window without a tick to prune it', () => {
    const meter = new LagMeter(0);
    const now = run(meter, 0, 500, 90);
    expect(meter.mean(now)).toBeCloseTo(90, 5);
    expect(meter.mean(now + LAG_WINDOW_MS + 1)).toBe(0);
  });
});

describe('overloaded (the admission decision past the floor of a turn)', () => {
  const busy = () => 1;
  const idle = () => 0.5;

  it('handshakes: refuses a loop late on average while saturated, not one with idle time left', () => {
    const meter = new LagMeter(0);
    const now = run(meter, 0, 2000, 80);
    expect(overloaded(meter, now, BOUND, HANDSHAKE_LOAD, busy)).toBe(true);
    expect(overloaded(meter, now, BOUND, HANDSHAKE_LOAD, idle)).toBe(false);
  });

  it('the intake: a loop late and saturated answers slower rather than refusing; only a swamped turn refuses', () => {
    const meter = new LagMeter(0);
    const now = run(meter, 0, 2000, 80);
    expect(overloaded(meter, now, BOUND, INTAKE_LOAD, busy)).toBe(false);
    expect(overloaded(meter, now + LAG_TICK_MS + SWAMPED_FACTOR * BOUND + 1, BOUND, INTAKE_LOAD, busy)).toBe(true);
    expect(overloaded(meter, now + LAG_TICK_MS + SWAMPED_FACTOR * BOUND - 1, BOUND, INTAKE_LOAD, busy)).toBe(false);
  });
});
