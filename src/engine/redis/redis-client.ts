import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisSettings } from '../../config/app-config.js';

export type RedisClient = Redis | Cluster;

export interface ClientRole {
  name: string;
  /** Store commands fail fast while Redis is away (handshakes answer UNAVAILABLE) instead of queueing. */
  failFast: boolean;
  /** True once the app shuts down: stop reconnecting (duplicates made by the adapter share this). */
  isClosing?: () => boolean;
  /** On Cluster, pub/sub on the channels' own masters (SSUBSCRIBE/SPUBLISH). */
  shardedPubSub?: boolean;
}

/** One ioredis client (standalone or Cluster) from REDIS_URL / REDIS_HOST / REDIS_CLUSTER_NODES. */
export function createRedisClient(settings: RedisSettings, role: ClientRole): RedisClient {
  const options: RedisOptions = {
    connectionName: `gateway-${role.name}`,
    lazyConnect: true,
    enableAutoPipelining: true,
    maxRetriesPerRequest: role.failFast ? 1 : null,
    enableOfflineQueue: !role.failFast,
    commandTimeout: role.failFast ? 2000 : undefined,
    retryStrategy: (attempt) => (role.isClosing?.() ? null : Math.min(100 * attempt, 2000)),
  };
  if (settings.clusterNodes?.length) {
    return new Cluster(settings.clusterNodes, {
      redisOptions: { ...options, password: settings.password },
      lazyConnect: true,
      enableAutoPipelining: true,
      enableOfflineQueue: !role.failFast,
      clusterRetryStrategy: (attempt) => (role.isClosing?.() ? null : Math.min(100 * attempt, 2000)),
      shardedSubscribers: role.shardedPubSub === true,
    });
  }
  if (settings.url) return new Redis(settings.url, options);
  return new Redis({ ...options, host: settings.host, port: settings.port, password: settings.password });
}

/**
 * Where the gateway looks for Redis, for people: the variable(s) it came from and the address,
 * never a password (`redis://:***@host:port`).
 */
export function describeRedisTarget(settings: RedisSettings): string {
  if (settings.clusterNodes?.length) return `REDIS_CLUSTER_NODES=${settings.clusterNodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  if (settings.url) return `REDIS_URL=${withoutPassword(settings.url)}`;
  return `REDIS_HOST=${settings.host ?? ''} REDIS_PORT=${settings.port}`;
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(unparseable URL)';
  }
}
