import { type Abstract, type DynamicModule, Global, Module, type Provider, type Type } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { Broker } from './broker.js';
import { CallStore } from './call.store.js';
import { ConnectionStore } from './connection.store.js';
import { EngineBus } from './engine-bus.js';
import { EngineHealth } from './engine-health.js';
import { IdempotencyStore } from './idempotency.store.js';
import { InboundLog } from './inbound-log.js';
import { MembershipStore } from './membership.store.js';
import { MemoryBroker } from './memory/memory-broker.js';
import { MemoryCallStore } from './memory/memory-call.store.js';
import { MemoryConnectionStore } from './memory/memory-connection.store.js';
import { MemoryEngineBus } from './memory/memory-engine-bus.js';
import { MemoryEngineHealth } from './memory/memory-engine-health.js';
import { MemoryIdempotencyStore } from './memory/memory-idempotency.store.js';
import { MemoryInboundLog } from './memory/memory-inbound-log.js';
import { MemoryMembershipStore } from './memory/memory-membership.store.js';
import { MemoryNodeBus } from './memory/memory-node-bus.js';
import { MemoryNotificationStore } from './memory/memory-notification.store.js';
import { MemoryPresenceStore } from './memory/memory-presence.store.js';
import { MemoryRateLimitStore } from './memory/memory-rate-limit.store.js';
import { MemoryRecoveryStore } from './memory/memory-recovery.store.js';
import { MemoryServiceStore } from './memory/memory-service.store.js';
import { MemorySessionStore } from './memory/memory-session.store.js';
import { MemoryStatusStore } from './memory/memory-status.store.js';
import { NodeBus } from './node-bus.js';
import { NotificationStore } from './notification.store.js';
import { PresenceStore } from './presence.store.js';
import { RateLimitStore } from './rate-limit.store.js';
import { RecoveryStore } from './recovery.store.js';
import { RedisBroker } from './redis/redis-broker.js';
import { RedisCallStore } from './redis/redis-call.store.js';
import { RedisConnectionStore } from './redis/redis-connection.store.js';
import { RedisConnections } from './redis/redis-connections.js';
import { RedisEngineBus } from './redis/redis-engine-bus.js';
import { RedisEngineHealth } from './redis/redis-engine-health.js';
import { RedisIdempotencyStore } from './redis/redis-idempotency.store.js';
import { RedisInboundLog } from './redis/redis-inbound-log.js';
import { RedisMembershipStore } from './redis/redis-membership.store.js';
import { RedisNodeBus } from './redis/redis-node-bus.js';
import { RedisNodeChannels } from './redis/redis-node-channels.js';
import { RedisNotificationStore } from './redis/redis-notification.store.js';
import { RedisPresenceStore } from './redis/redis-presence.store.js';
import { RedisRateLimitStore } from './redis/redis-rate-limit.store.js';
import { RedisRecoveryStore } from './redis/redis-recovery.store.js';
import { RedisServiceStore } from './redis/redis-service.store.js';
import { RedisSessionStore } from './redis/redis-session.store.js';
import { RedisStatusStore } from './redis/redis-status.store.js';
import { ServiceStore } from './service.store.js';
import { SessionStore } from './session.store.js';
import { StatusStore } from './status.store.js';

/** A port, its memory implementation, its Redis implementation. */
type Binding<P> = readonly [port: Abstract<P>, memory: Type<P>, redis: Type<P>];
const bind = <P>(port: Abstract<P>, memory: Type<P>, redis: Type<P>): Binding<unknown> => [port, memory, redis];

const BINDINGS: ReadonlyArray<Binding<unknown>> = [
  // State
  bind(SessionStore, MemorySessionStore, RedisSessionStore),
  bind(ConnectionStore, MemoryConnectionStore, RedisConnectionStore),
  bind(RateLimitStore, MemoryRateLimitStore, RedisRateLimitStore),
  bind(IdempotencyStore, MemoryIdempotencyStore, RedisIdempotencyStore),
  bind(ServiceStore, MemoryServiceStore, RedisServiceStore),
  bind(NotificationStore, MemoryNotificationStore, RedisNotificationStore),
  bind(StatusStore, MemoryStatusStore, RedisStatusStore),
  bind(MembershipStore, MemoryMembershipStore, RedisMembershipStore),
  bind(PresenceStore, MemoryPresenceStore, RedisPresenceStore),
  bind(CallStore, MemoryCallStore, RedisCallStore),
  bind(RecoveryStore, MemoryRecoveryStore, RedisRecoveryStore),
  // Side channels
  bind(EngineHealth, MemoryEngineHealth, RedisEngineHealth),
  bind(EngineBus, MemoryEngineBus, RedisEngineBus),
  bind(InboundLog, MemoryInboundLog, RedisInboundLog),
  bind(Broker, MemoryBroker, RedisBroker),
  bind(NodeBus, MemoryNodeBus, RedisNodeBus),
];

/** What only the Redis implementations share: the connections and this node's channels. */
const REDIS_SHARED: Provider[] = [RedisConnections, RedisNodeChannels];

/**
 * Binds every port to its memory or Redis implementation, by configuration. Each implementation
 * is its own provider and the port an alias of it, so one implementation may inject another by
 * class (the memory broker reads the MemoryConnectionStore instance synchronously). RedisConnections
 * is exported for the composition root only (create-app.ts connects it and hands the adapter
 * client to Socket.IO); lint keeps it out of features and transports.
 */
@Global()
@Module({})
export class EngineModule {
  static forRoot(config: AppConfig): DynamicModule {
    const redis = config.engine === 'redis';
    const providers: Provider[] = BINDINGS.flatMap(([port, memory, redisImpl]) => {
      const impl = redis ? redisImpl : memory;
      return [impl, { provide: port, useExisting: impl }];
    });
    const ports = BINDINGS.map(([port]) => port);
    return {
      module: EngineModule,
      providers: redis ? [...REDIS_SHARED, ...providers] : providers,
      exports: redis ? [...ports, RedisConnections] : ports,
    };
  }
}
