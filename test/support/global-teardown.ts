// Jest globalTeardown: stops the shared redis-server from global-setup.ts.
export default async function globalTeardown(): Promise<void> {
  const redis = globalThis.__TEST_REDIS__;
  globalThis.__TEST_REDIS__ = undefined;
  await redis?.stop();
}
