import type { AppConfig } from '../../src/config/app-config.js';
import { RedisConnections } from '../../src/engine/redis/redis-connections.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { redisEnv, testConfig, uniquePrefix } from '../support/app.js';

/**
 * The runner of the store contract: each `<port>.spec.ts` here states the behaviour of one
 * store port (src/engine/*.store.ts) that the protocol and the services rely on, and this runs it against
 * the memory and the Redis implementation alike (a real redis-server, from the test setup).
 *
 * Time is the caller's `now`, chosen by each test from T0: nothing waits on the wall clock.
 */
export interface StoreUnderTest<T> {
  store: T;
  /** A second handle on the same state, as a second node would have (the same object in memory). */
  other: T;
  /** The Redis implementation's connections (undefined in memory), to check what it leaves in Redis. */
  redis?: RedisConnections;
}

export interface Implementations<T> {
  memory: () => T;
  redis: (connections: RedisConnections) => T;
}

export function storeContract<T>(port: string, make: Implementations<T>, body: (ctx: StoreUnderTest<T>) => void): void {
  describe.each(['memory', 'redis'] as const)(`${port} contract (%s)`, (engine) => {
    const ctx = {} as StoreUnderTest<T>;
    let connections: RedisConnections[] = [];

    beforeAll(async () => {
      if (engine === 'memory') {
        ctx.store = ctx.other = make.memory();
        return;
      }
      const config: AppConfig = testConfig(redisEnv(uniquePrefix('contract')));
      connections = [new RedisConnections(config, new MetricsService()), new RedisConnections(config, new MetricsService())];
      await Promise.all(connections.map((c) => c.connect(5000)));
      [ctx.store, ctx.other] = connections.map((c) => make.redis(c));
      ctx.redis = connections[0];
    });

    afterAll(async () => {
      await Promise.all(connections.map((c) => c.onApplicationShutdown()));
    });

    body(ctx);
  });
}

/** An instant on the callers' clock; each test moves forward from it as it needs. */
export const T0 = Date.now();

let n = 0;
/** An id no other test uses (the stores are shared by the tests of one file and engine). */
export const fresh = (label = 'user') => `${label}-${T0}-${++n}`;
