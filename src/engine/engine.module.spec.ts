import { Test, type TestingModule } from '@nestjs/testing';
import { AppConfigModule } from '../config/config.module.js';
import { loadConfig } from '../config/load-config.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { Broker } from './broker.js';
import { CallStore } from './call.store.js';
import { ConnectionStore } from './connection.store.js';
import { EngineModule } from './engine.module.js';
import { EngineBus } from './engine-bus.js';
import { EngineHealth } from './engine-health.js';
import { IdempotencyStore } from './idempotency.store.js';
import { InboundLog } from './inbound-log.js';
import { MembershipStore } from './membership.store.js';
import { MemoryBroker } from './memory/memory-broker.js';
import { MemoryConnectionStore } from './memory/memory-connection.store.js';
import { NodeBus } from './node-bus.js';
import { NotificationStore } from './notification.store.js';
import { PresenceStore } from './presence.store.js';
import { RateLimitStore } from './rate-limit.store.js';
import { RecoveryStore } from './recovery.store.js';
import { RedisConnections } from './redis/redis-connections.js';
import { ServiceStore } from './service.store.js';
import { SessionStore } from './session.store.js';
import { StatusStore } from './status.store.js';

const PORTS = [
  SessionStore,
  ConnectionStore,
  RateLimitStore,
  IdempotencyStore,
  ServiceStore,
  NotificationStore,
  StatusStore,
  MembershipStore,
  PresenceStore,
  CallStore,
  RecoveryStore,
  EngineHealth,
  EngineBus,
  InboundLog,
  Broker,
  NodeBus,
];

/** The engine module as the app wires it, for `env` (never initialised: nothing connects). */
async function engineFor(env: Record<string, string>): Promise<TestingModule> {
  const config = loadConfig({ JWT_SECRET: 'engine-spec-secret-0123456789', ...env });
  const loaded = await AppConfigModule.forConfig(config);
  return Test.createTestingModule({ imports: [loaded.module, MetricsModule, EngineModule.forRoot(config)] }).compile();
}

/** The implementation's class name, by the folder convention (MemoryXxx / RedisXxx). */
const implementationOf = (sut: TestingModule, port: (typeof PORTS)[number]) => (sut.get(port as never) as object).constructor.name;

describe('EngineModule', () => {
  describe('forRoot', () => {
    it('binds every port to its memory implementation without Redis, one instance per port', async () => {
      const sut = await engineFor({});

      for (const port of PORTS) expect(implementationOf(sut, port)).toBe(`Memory${port.name}`);
      // The memory broker reads the very connection store the features write (who is live, in the same call).
      expect((sut.get(Broker) as unknown as { connections: unknown }).connections).toBe(sut.get(ConnectionStore));
      expect(sut.get(Broker)).toBeInstanceOf(MemoryBroker);
      expect(sut.get(ConnectionStore)).toBe(sut.get(MemoryConnectionStore));
      expect(() => sut.get(RedisConnections)).toThrow();
      await sut.close();
    });

    it('binds every port to its Redis implementation with REDIS_URL, and exports the connections to the composition root', async () => {
      const sut = await engineFor({ REDIS_URL: 'redis://127.0.0.1:1' });

      for (const port of PORTS) expect(implementationOf(sut, port)).toBe(`Redis${port.name}`);
      expect(sut.get(RedisConnections)).toBeInstanceOf(RedisConnections);
      await sut.close();
    });
  });
});
