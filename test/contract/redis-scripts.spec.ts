// The gateway's Lua scripts on a Redis that does not have them yet (a fresh or restarted server,
// or after SCRIPT FLUSH): calls made at once — a reconnect storm's disconnects and restores right
// after a Redis restart — load the script once and all succeed, instead of each sending the whole
// script with EVAL. A Redis of its own: the counts are server-wide.
import { RedisConnections } from '../../src/engine/redis/redis-connections.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { redisEnv, testConfig, uniquePrefix } from '../support/app.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.js';

/** calls= of `name` in INFO commandstats (0 when it never ran). */
function calls(info: string, name: string): number {
  const match = new RegExp(`^cmdstat_${name.replace('|', '\\|')}:calls=(\\d+)`, 'm').exec(info);
  return match ? Number(match[1]) : 0;
}

describe('Redis scripts on a server that lacks them', () => {
  let server: RedisServerHandle;
  let redis: RedisConnections;

  beforeAll(async () => {
    server = await startRedisServer();
    redis = new RedisConnections(testConfig(redisEnv(uniquePrefix('scripts'), server.url)), new MetricsService());
    expect(await redis.connect(5000)).toBe(true);
  });

  afterAll(async () => {
    await redis.onApplicationShutdown();
    await server.stop();
  });

  it.each([['auto-pipelined', false], ['written at once', true]])('loads a script once for 50 concurrent calls (%s), and every call succeeds', async (_label, now) => {
    await redis.command.script('FLUSH');
    await redis.command.config('RESETSTAT');
    const run = now ? redis.scriptNow('gwClock') : redis.script('gwClock');
    const results = (await Promise.all(Array.from({ length: 50 }, () => run(redis.keys.clock, 1)))) as Array<[number, number]>;
    // Each call took its own position of the clock: all ran, once each.
    expect(new Set(results.map(([n]) => Number(n))).size).toBe(50);
    const info = (await redis.command.info('commandstats')) as string;
    expect(calls(info, 'eval')).toBe(0);
    expect(calls(info, 'script|load')).toBe(1);
    // The calls that found it missing were answered NOSCRIPT and sent again once it was loaded.
    expect(calls(info, 'evalsha')).toBeGreaterThanOrEqual(51);
  });

  it('a script that fails for another reason still fails, and is not loaded again', async () => {
    await redis.command.config('RESETSTAT');
    await redis.command.set(redis.keys.clock, 'not a hash');
    await expect(redis.script('gwClock')(redis.keys.clock, 1)).rejects.toThrow(/WRONGTYPE/);
    const info = (await redis.command.info('commandstats')) as string;
    expect(calls(info, 'script|load')).toBe(0);
    await redis.command.del(redis.keys.clock);
  });
});
