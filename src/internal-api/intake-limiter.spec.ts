import type { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { LoopLag } from '../admission/loop-lag.js';
import { IntakeLimiter, OverloadedError } from './intake-limiter.js';

/** A lag whose `ms` the spec sets, with LoopLag's admission rule (the floor per turn included). */
function fakeLag(ms = 0) {
  const lag = { ms, turn: 0, turnMs: 0, admits: (max: number, floor: number) => !(max > 0 && lag.ms > max && lag.turn >= floor) && ++lag.turn > 0, nextTurn: () => (lag.turn = 0) };
  return lag;
}

function limiter(maxInFlight: number, maxEventLoopDelayMs = 0, lag = fakeLag()): IntakeLimiter {
  const config = { intake: { maxInFlight, maxEventLoopDelayMs } } as AppConfig;
  return new IntakeLimiter(config, lag as unknown as LoopLag, new MetricsService());
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
    it('refuses before the body is read once the emits in flight fill the cap, and admits again when they end', () => {
      const sut = limiter(3);
      sut.admitNow();
      sut.acquire(3);
      expect(() => sut.admitNow()).toThrow(OverloadedError);
      sut.release(1);
      expect(() => sut.admitNow()).not.toThrow();
    });

    it('admits with nothing in flight whatever the cap (a batch larger than it may still run alone)', () => {
      const sut = limiter(0);
      expect(() => sut.admitNow()).not.toThrow();
    });

    it('while the event loop is later than INTAKE_MAX_EVENT_LOOP_DELAY_MS, admits the first request of a turn and refuses the others, with Retry-After', () => {
      const lag = fakeLag(51);
      const sut = limiter(10, 50, lag);
      expect(() => sut.admitNow()).not.toThrow();
      expect(() => sut.admitNow()).toThrow(OverloadedError);
      lag.nextTurn();
      expect(() => sut.admitNow()).not.toThrow();
      lag.ms = 50;
      expect(() => sut.admitNow()).not.toThrow();
      expect(() => sut.admitNow()).not.toThrow();
    });

    it('never refuses with the check off (0)', () => {
      const sut = limiter(10, 0, fakeLag(10_000));
      for (let i = 0; i < 5; i++) expect(() => sut.admitNow()).not.toThrow();
    });
  });
});
