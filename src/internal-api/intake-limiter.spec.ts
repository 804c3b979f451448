import type { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { LoopLag } from '../admission/loop-lag.js';
import { IntakeLimiter, OverloadedError } from './intake-limiter.js';

function limiter(maxInFlight: number, maxEventLoopDelayMs = 0, lag = { ms: 0 }): IntakeLimiter {
  const config = { intake: { maxInFlight, maxEventLoopDelayMs } } as AppConfig;
  return new IntakeLimiter(config, lag as LoopLag, new MetricsService());
}

describe('IntakeLimiter', () => {
  describe('acquire', () => {
    it('admits up to the cap, then refuses with a 503 UNAVAILABLE that carries Retry-After', () => {
      const sut = limiter(3);
      sut.acquire(2);
      sut.acquire(1);
      let refused: unknown;
      try {
        sut.acquire(1);
      } catch (err) {
        refused = err;
      }
      expect(refused).toBeInstanceOf(OverloadedError);
      expect(refused).toMatchObject({ code: 'UNAVAILABLE', httpStatus: 503, retryAfterSec: 1 });
    });

    it('admits a batch larger than the cap when nothing is in flight, and nothing beside it', () => {
      const sut = limiter(2);
      sut.acquire(5);
      expect(() => sut.acquire(1)).toThrow(OverloadedError);
    });
  });

  describe('release', () => {
    it('frees the capacity it took', () => {
      const sut = limiter(1);
      sut.acquire(1);
      expect(() => sut.acquire(1)).toThrow(OverloadedError);
      sut.release(1);
      expect(() => sut.acquire(1)).not.toThrow();
    });
  });

  describe('admitNow', () => {
    it('refuses while the event loop is later than INTAKE_MAX_EVENT_LOOP_DELAY_MS, with Retry-After', () => {
      const lag = { ms: 51 };
      const sut = limiter(10, 50, lag);
      expect(() => sut.admitNow()).toThrow(OverloadedError);
      lag.ms = 50;
      expect(() => sut.admitNow()).not.toThrow();
    });

    it('never refuses with the check off (0)', () => {
      expect(() => limiter(10, 0, { ms: 10_000 }).admitNow()).not.toThrow();
    });
  });
});
