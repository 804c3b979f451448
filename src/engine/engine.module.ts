import { SessionStore } from './session.store.js';
import { type DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { ConnectionStore } from './connection.store.js';
import { EngineHealth } from './engine-health.js';
import { IdempotencyStore } from './idempotency.store.js';
import { MemoryConnectionStore } from './memory/memory-connection.store.js';
import { MemoryEngineHealth } from './memory/memory-engine-health.js';
import { MemoryIdempotencyStore } from './memory/memory-idempotency.store.js';
import { MemoryRateLimitStore } from './memory/memory-rate-limit.store.js';
import { MemorySessionStore } from './memory/memory-session.store.js';
import { RateLimitStore } from './rate-limit.store.js';
import { ServiceStore } from './service.store.js';
import { NotificationStore } from './notification.store.js';
import { StatusStore } from './status.store.js';
import { MembershipStore } from './membership.store.js';
import { PresenceStore } from './presence.store.js';
import { CallStore } from './call.store.js';
import { MemoryCallStore } from './memory/memory-call.store.js';
import { RedisCallStore } from './redis/redis-call.store.js';
import { MemoryPresenceStore } from './memory/memory-presence.store.js';
import { RedisPresenceStore } from './redis/redis-presence.store.js';
import { MemoryMembershipStore } from './memory/memory-membership.store.js';
import { RedisMembershipStore } from './redis/redis-membership.store.js';
import { MemoryNotificationStore } from './memory/memory-notification.store.js';
import { MemoryStatusStore } from './memory/memory-status.store.js';
import { RedisNotificationStore } from './redis/redis-notification.store.js';
import { RedisStatusStore } from './redis/redis-status.store.js';
import { MemoryServiceStore } from './memory/memory-service.store.js';
import { RedisServiceStore } from './redis/redis-service.store.js';
import { RedisConnectionStore } from './redis/redis-connection.store.js';
import { RedisConnections } from './redis/redis-connections.js';
import { RedisEngineHealth } from './redis/redis-engine-health.js';
import { RedisIdempotencyStore } from './redis/redis-idempotency.store.js';
import { RedisRateLimitStore } from './redis/redis-rate-limit.store.js';
import { RedisSessionStore } from './redis/redis-session.store.js';
import { EngineBus } from './engine-bus.js';
import { InboundLog } from './inbound-log.js';
import { MemoryEngineBus } from './memory/memory-engine-bus.js';
import { MemoryInboundLog } from './memory/memory-inbound-log.js';
import { RedisEngineBus } from './redis/redis-engine-bus.js';
import { RedisInboundLog } from './redis/redis-inbound-log.js';
import { Broker } from './broker.js';
import { NodeBus } from './node-bus.js';
import { RecoveryStore } from './recovery.store.js';
import { MemoryBroker } from './memory/memory-broker.js';
import { MemoryNodeBus } from './memory/memory-node-bus.js';
import { MemoryRecoveryStore } from './memory/memory-recovery.store.js';
import { RedisBroker } from './redis/redis-broker.js';
import { RedisNodeBus } from './redis/redis-node-bus.js';
import { RedisNodeChannels } from './redis/redis-node-channels.js';
import { RedisRecoveryStore } from './redis/redis-recovery.store.js';

const PORTS = [
  ...[SessionStore, ConnectionStore, RateLimitStore, IdempotencyStore, ServiceStore, NotificationStore, StatusStore, MembershipStore, PresenceStore, CallStore],
  ...[EngineHealth, EngineBus, InboundLog, Broker, NodeBus, RecoveryStore],
];

/**
 * Binds every port to its memory or Redis implementation, by configuration. RedisConnections is
 * exported for the composition root only (create-app.ts connects it and hands the adapter client
 * to Socket.IO); lint keeps it out of features and transports.
 */
@Global()
@Module({})
export class EngineModule {
  static forRoot(config: AppConfig): DynamicModule {
    const providers: Provider[] =
      config.engine === 'redis'
        ? [
            RedisConnections,
            RedisNodeChannels,
            { provide: SessionStore, useClass: RedisSessionStore },
            { provide: ConnectionStore, useClass: RedisConnectionStore },
            { provide: RateLimitStore, useClass: RedisRateLimitStore },
            { provide: IdempotencyStore, useClass: RedisIdempotencyStore },
            { provide: ServiceStore, useClass: RedisServiceStore },
            { provide: NotificationStore, useClass: RedisNotificationStore },
            { provide: StatusStore, useClass: RedisStatusStore },
            { provide: MembershipStore, useClass: RedisMembershipStore },
            { provide: PresenceStore, useClass: RedisPresenceStore },
            { provide: CallStore, useClass: RedisCallStore },
            { provide: EngineHealth, useClass: RedisEngineHealth },
            { provide: EngineBus, useClass: RedisEngineBus },
            { provide: InboundLog, useClass: RedisInboundLog },
            { provide: Broker, useClass: RedisBroker },
            { provide: NodeBus, useClass: RedisNodeBus },
            { provide: RecoveryStore, useClass: RedisRecoveryStore },
          ]
        : [
            { provide: SessionStore, useClass: MemorySessionStore },
            // The memory broker reads the same instance synchronously (who is live, in the same call).
            MemoryConnectionStore,
            { provide: ConnectionStore, useExisting: MemoryConnectionStore },
            { provide: RateLimitStore, useClass: MemoryRateLimitStore },
            { provide: IdempotencyStore, useClass: MemoryIdempotencyStore },
            { provide: ServiceStore, useClass: MemoryServiceStore },
            { provide: NotificationStore, useClass: MemoryNotificationStore },
            { provide: StatusStore, useClass: MemoryStatusStore },
            { provide: MembershipStore, useClass: MemoryMembershipStore },
            { provide: PresenceStore, useClass: MemoryPresenceStore },
            { provide: CallStore, useClass: MemoryCallStore },
            { provide: EngineHealth, useClass: MemoryEngineHealth },
            { provide: EngineBus, useClass: MemoryEngineBus },
            { provide: InboundLog, useClass: MemoryInboundLog },
            { provide: Broker, useClass: MemoryBroker },
            { provide: NodeBus, useClass: MemoryNodeBus },
            { provide: RecoveryStore, useClass: MemoryRecoveryStore },
          ];
    const exportsList = config.engine === 'redis' ? [...PORTS, RedisConnections] : PORTS;
    return { module: EngineModule, providers, exports: exportsList };
  }
}
