// Jest globalSetup: one real redis-server shared by the whole run. Workers are
// forked after this runs, so they inherit TEST_REDIS_URL / TEST_REDIS_PORT.
//
// The shared server must stay up for everybody: a test that needs to stop,
// kill or restart Redis (outage and recovery scenarios) starts its own private
// server with startRedisServer() from ./redis-server.js and stops it itself.
import type { RedisServerHandle } from './redis-server.js';

declare global {
  // Only set in the Jest parent process, between global setup and teardown.
  var __TEST_REDIS__: RedisServerHandle | undefined;
}

// Even in ESM mode Jest loads global hooks through CommonJS require() (SWC
// compiles them to CJS, so this import() becomes require()), and CommonJS
// cannot map the ".js" specifier to the ".ts" source the way moduleNameMapper
// does for test files. So name the source file, through a variable so that tsc
// accepts the ".ts" extension, and keep the static types.
const helperModule = './redis-server.ts';

export default async function globalSetup(): Promise<void> {
  const { startRedisServer } = (await import(helperModule)) as typeof import('./redis-server.js');
  const redis = await startRedisServer();
  globalThis.__TEST_REDIS__ = redis;
  process.env.TEST_REDIS_URL = redis.url;
  process.env.TEST_REDIS_PORT = String(redis.port);
}
