import { RETRY_BASE_MS, retryDelay, SHUTDOWN_JITTER_MS, shutdownDelay, withJitter } from './retry.js';

describe('withJitter', () => {
  it('keeps half the delay and draws the other half at random', () => {
    expect(withJitter(1000, () => 0)).toBe(500);
    expect(withJitter(1000, () => 0.5)).toBe(750);
    expect(withJitter(1000, () => 0.999)).toBe(1000);
  });

  it('spreads clients that retry together', () => {
    const delays = new Set(Array.from({ length: 100 }, () => withJitter(4000)));
    expect(delays.size).toBeGreaterThan(50);
  });
});

describe('retryDelay', () => {
  it('doubles from the base up to the maximum, jittered', () => {
    const top = () => 0.9999;
    expect([0, 1, 2, 3, 10].map((n) => retryDelay(n, 5000, top))).toEqual([RETRY_BASE_MS, 2000, 4000, 5000, 5000]);
    expect(retryDelay(0, 5000, () => 0)).toBe(RETRY_BASE_MS / 2);
  });
});

describe('shutdownDelay', () => {
  it('waits the delay the gateway asked for, plus a little spread', () => {
    expect(shutdownDelay(2500, () => 0)).toBe(2500);
    expect(shutdownDelay(2500, () => 0.9999)).toBeLessThanOrEqual(2500 + SHUTDOWN_JITTER_MS);
  });

  it.each([[undefined], [-5], ['soon'], [Number.NaN]])('treats %p as no delay', (value) => {
    expect(shutdownDelay(value, () => 0)).toBe(0);
  });

  it('caps an absurd delay at a minute', () => {
    expect(shutdownDelay(10 ** 9, () => 0)).toBe(60_000);
  });
});
