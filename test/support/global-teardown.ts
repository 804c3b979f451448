// Jest globalTeardown: stops the shared redis-server from global-setup.ts.
export default async function globalTeardown(): Promise<void> {
  const redis = globalThis.__TEST_REDIS__;
  globalThis.__TEST_REDIS__ = undefined;
  // The server's process and timers are unref'd (a forgotten server must not hold a test process
  // open), so while this waits for it to exit nothing else may keep Jest's loop alive: Node would
  // then exit with code 0 before Jest sets its exit code, and a failing run would look green.
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    await redis?.stop();
  } finally {
    clearInterval(keepAlive);
  }
}
