import type { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { LoopLag } from '../admission/loop-lag.js';
import { CompletionRate, IntakeLimiter, OverloadedError } from './intake-limiter.js';

/** A lag whose `ms` the spec sets, with LoopLag's admission rule (the floor per turn included). */
function fakeLag(ms = 0) {
  const lag = { ms, turn: 0, turnMs: 0, util: 0, utilisation: () => lag.util, admits: (max: number, floor: number) => !(max > 0 && lag.ms > max && lag.turn >= floor) && ++lag.turn > 0, nextTurn: () => (lag.turn = 0) };
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

    it('while LoopLag refuses (INTAKE_LOAD: a turn swamped past ten times INTAKE_MAX_EVENT_LOOP_DELAY_MS), admits the first request of a turn and refuses the others, with Retry-After', () => {
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

  describe('the cap for emits waiting for their turn', () => {
    let lag: ReturnType<typeof fakeLag>;

    /**
     * A limiter that paces (the running turn is past its 50 ms budget, so admitted emits wait for
     * a later turn) whose last second saw `completed` emits end, on a loop busy `util` of the time.
     */
    function withHistory(maxInFlight: number, completed: number, util: number) {
      let t = 10_000;
      lag = fakeLag();
      lag.util = util;
      lag.turnMs = 100;
      const sut = limiter(maxInFlight, 50, lag);
      sut.completions = new CompletionRate(() => t);
      sut.acquire(completed);
      sut.release(completed);
      t += 1000;
      return sut;
    }
    /** How many single emits are admitted, each then waiting for its turn (or, `running`, past it). */
    const admitted = (sut: IntakeLimiter, running = false) => {
      let n = 0;
      while (n < 1000) {
        try {
          sut.acquire(1);
        } catch {
          return n;
        }
        if (!running) void sut.inTurn(() => Promise.resolve());
        n += 1;
      }
      return n;
    };

    afterEach(async () => {
      // Lets the queued emits run (the turn is young again), so no turn stays armed.
      lag.turnMs = 0;
      await new Promise((resolve) => setImmediate(resolve));
    });

    it('rises to what the node completed in the last second, for emits waiting for their turn', () => {
      expect(admitted(withHistory(3, 10, 0.5))).toBe(10);
    });

    it('rises at most to four times INTAKE_MAX_IN_FLIGHT', () => {
      expect(admitted(withHistory(3, 100, 0.5))).toBe(12);
    });

    it('rises on a saturated loop too: requests of a busy backend wait for their turn instead of being refused', () => {
      expect(admitted(withHistory(3, 10, 1))).toBe(10);
    });

    it('stays at INTAKE_MAX_IN_FLIGHT when nothing completed lately', () => {
      expect(admitted(withHistory(3, 0, 0))).toBe(3);
    });

    it('stays at INTAKE_MAX_IN_FLIGHT for emits past their turn (waiting on Redis), whatever completed', () => {
      expect(admitted(withHistory(3, 10, 0.5), true)).toBe(3);
    });
  });
});

describe('CompletionRate', () => {
  it('gives the last whole second, or the running one once it has more, and forgets older seconds', () => {
    let t = 5_000;
    const rate = new CompletionRate(() => t);
    rate.add(4);
    expect(rate.perSecond()).toBe(4);
    t = 6_100;
    expect(rate.perSecond()).toBe(4);
    rate.add(7);
    expect(rate.perSecond()).toBe(7);
    t = 7_000;
    expect(rate.perSecond()).toBe(7);
    t = 9_500;
    expect(rate.perSecond()).toBe(0);
  });
});
