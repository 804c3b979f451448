import { LAG_TICK_MS, LagMeter } from './loop-lag.js';

/** Ticks every LAG_TICK_MS from `at` for `ms`, each `late` ms late; returns the time after. */
function run(meter: LagMeter, at: number, ms: number, late = 0): number {
  const end = at + ms;
  while (at < end) {
    at += LAG_TICK_MS + late;
    meter.tick(at);
  }
  return at;
}

describe('LagMeter', () => {
  it('reads 0 on a loop that keeps time', () => {
    const meter = new LagMeter(0);
    const now = run(meter, 0, 1000);
    expect(meter.ms(now)).toBe(0);
  });

  it('reads the current turn while it runs: what arrives now waits that long', () => {
    const meter = new LagMeter(0);
    const now = run(meter, 0, 500);
    expect(meter.ms(now + LAG_TICK_MS + 80)).toBe(80);
  });

  it('lets one long pause (a major garbage collection) pass: right after it the lag is under 50 ms, and it fades', () => {
    const meter = new LagMeter(0);
    let now = run(meter, 0, 500);
    now += LAG_TICK_MS + 200;
    meter.tick(now);
    expect(meter.ms(now)).toBeLessThan(50);
    now = run(meter, now, 200);
    expect(meter.ms(now)).toBeLessThan(1);
  });

  it('reads a loop that is late turn after turn as late between its turns', () => {
    const meter = new LagMeter(0);
    const now = run(meter, 0, 2000, 80);
    expect(meter.ms(now)).toBeGreaterThan(75);
    expect(meter.ms(now)).toBeLessThanOrEqual(80);
  });
});
