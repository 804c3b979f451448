import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { WebSocketsController } from '@nestjs/websockets/web-sockets-controller.js';
import * as streamsUtil from '@socket.io/redis-streams-adapter/dist/util.js';
import { Socket, type Server } from 'socket.io';
import { Adapter, ClusterAdapter } from 'socket.io-adapter';

/**
 * The versions the gateway's patches were written against, pinned exactly in package.json (a spec
 * keeps the two equal). Upgrading one means re-reading the files named below.
 */
export const PINNED_VERSIONS = {
  'socket.io': '4.8.3',
  'socket.io-adapter': '2.5.8',
  '@socket.io/redis-streams-adapter': '0.3.1',
  '@nestjs/websockets': '12.1.1',
} as const;

type Pkg = keyof typeof PINNED_VERSIONS;

/** The objects whose internals the gateway relies on; start-up passes the real ones, a spec stripped copies. */
export interface SocketIoInternals {
  /** socket.io `Socket.prototype`. */
  socketPrototype: object;
  /** A live namespace of the server. */
  namespace: object;
  /** socket.io-adapter `Adapter.prototype` (the in-memory adapter). */
  adapterPrototype: object;
  /** socket.io-adapter `ClusterAdapter.prototype` (base of the Redis streams adapter). */
  clusterAdapterPrototype: object;
  /** The live Redis streams adapter instance, with the Redis engine. */
  streamsAdapter?: object;
  /** The streams adapter's Redis helpers (`dist/util.js`). */
  streamsUtil: object;
  /** @nestjs/websockets `WebSocketsController.prototype`. */
  webSocketsControllerPrototype: object;
}

type Kind = 'function' | 'Map' | 'string' | { calls: string };

interface Requirement {
  pkg: Pkg;
  /** How the error names it, e.g. `Namespace#_preConnectSockets`. */
  name: string;
  target: keyof SocketIoInternals;
  key: string;
  kind: Kind;
  /** The files below src/ that rely on it. */
  usedBy: string;
}

const REQUIREMENTS: Requirement[] = [
  { pkg: 'socket.io', name: 'Namespace#_preConnectSockets', target: 'namespace', key: '_preConnectSockets', kind: 'Map', usedBy: 'socket/recovery-gate.ts, user-gateway/recovery-authorisation.ts' },
  { pkg: 'socket.io', name: 'Socket#packet()', target: 'socketPrototype', key: 'packet', kind: 'function', usedBy: 'socket/recovery-gate.ts, user-gateway/recovery-authorisation.ts' },
  { pkg: 'socket.io-adapter', name: 'Adapter#_encode()', target: 'adapterPrototype', key: '_encode', kind: 'function', usedBy: 'socket/bounded-recovery.adapter.ts, socket/delivery-count.ts' },
  { pkg: 'socket.io-adapter', name: 'Adapter#broadcast()', target: 'adapterPrototype', key: 'broadcast', kind: 'function', usedBy: 'socket/bounded-recovery.adapter.ts' },
  { pkg: 'socket.io-adapter', name: 'Adapter#apply()', target: 'adapterPrototype', key: 'apply', kind: 'function', usedBy: 'socket/recovery-gate.ts, socket/delivery-count.ts' },
  { pkg: 'socket.io-adapter', name: 'Adapter#persistSession()', target: 'adapterPrototype', key: 'persistSession', kind: 'function', usedBy: 'socket/bounded-recovery.adapter.ts, user-gateway/recovery-authorisation.ts' },
  { pkg: 'socket.io-adapter', name: 'Adapter#restoreSession()', target: 'adapterPrototype', key: 'restoreSession', kind: 'function', usedBy: 'socket/bounded-recovery.adapter.ts, user-gateway/recovery-authorisation.ts' },
  { pkg: 'socket.io-adapter', name: 'ClusterAdapter#addOffsetIfNecessary()', target: 'clusterAdapterPrototype', key: 'addOffsetIfNecessary', kind: 'function', usedBy: 'socket/recovery-gate.ts' },
  { pkg: 'socket.io-adapter', name: 'ClusterAdapter#restoreSession()', target: 'clusterAdapterPrototype', key: 'restoreSession', kind: 'function', usedBy: 'socket/recovery-gate.ts' },
  { pkg: '@socket.io/redis-streams-adapter', name: 'RedisStreamsAdapter#onRawMessage()', target: 'streamsAdapter', key: 'onRawMessage', kind: 'function', usedBy: 'socket/gateway-io.adapter.ts' },
  { pkg: '@socket.io/redis-streams-adapter', name: 'RedisStreamsAdapter#uid', target: 'streamsAdapter', key: 'uid', kind: 'string', usedBy: 'socket/gateway-io.adapter.ts' },
  // The gateway wraps the Redis client's set() and duplicate(): that only helps while the adapter calls them.
  { pkg: '@socket.io/redis-streams-adapter', name: 'SET() writing sessions with client.set()', target: 'streamsUtil', key: 'SET', kind: { calls: '.set(' }, usedBy: 'socket/gateway-io.adapter.ts' },
  { pkg: '@socket.io/redis-streams-adapter', name: 'duplicateClient() using client.duplicate()', target: 'streamsUtil', key: 'duplicateClient', kind: { calls: '.duplicate(' }, usedBy: 'engine/redis/redis-connections.ts' },
  { pkg: '@nestjs/websockets', name: 'WebSocketsController#getConnectionHandler()', target: 'webSocketsControllerPrototype', key: 'getConnectionHandler', kind: 'function', usedBy: 'socket/dispatcher-binding.ts' },
];

function holds(value: unknown, kind: Kind): boolean {
  if (kind === 'Map') return value instanceof Map;
  if (kind === 'string') return typeof value === 'string';
  if (typeof value !== 'function') return false;
  return kind === 'function' || Function.prototype.toString.call(value).includes(kind.calls);
}

/** The installed version, for the error message only. */
function installedVersion(pkg: Pkg): string {
  try {
    let dir = dirname(createRequire(import.meta.url).resolve(pkg));
    for (let i = 0; i < 6; i++, dir = dirname(dir)) {
      const file = join(dir, 'package.json');
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === pkg) return manifest.version ?? 'unknown';
    }
  } catch {
    // Only decorates the message.
  }
  return 'unknown';
}

/**
 * Throws, naming each one, when an internal that the gateway patches or calls is gone: an upgrade
 * of Socket.IO or its adapters then stops the start-up instead of silently losing recovered
 * packets or delivering twice. A missing `streamsAdapter` (memory engine) skips its checks.
 */
export function checkSocketIoInternals(internals: SocketIoInternals): void {
  const missing = REQUIREMENTS.filter(({ target, key, kind }) => {
    const owner = internals[target] as Record<string, unknown> | undefined;
    if (owner === undefined) return target !== 'streamsAdapter';
    return !holds(owner[key], kind);
  });
  if (missing.length === 0) return;
  const lines = missing.map(
    ({ pkg, name, usedBy }) =>
      `${pkg} ${name} (used by ${usedBy.split(', ').map((file) => `src/${file}`).join(', ')}); ` +
      `the gateway supports ${pkg} ${PINNED_VERSIONS[pkg]} exactly (pinned in package.json), installed: ${installedVersion(pkg)}`,
  );
  throw new Error(`Socket.IO internals the gateway relies on are missing: ${lines.join('; ')}`);
}

/** The real objects of a running server. */
export function liveInternals(io: Server, withStreamsAdapter: boolean): SocketIoInternals {
  const namespace = io.of('/');
  return {
    socketPrototype: Socket.prototype,
    namespace,
    adapterPrototype: Adapter.prototype,
    clusterAdapterPrototype: ClusterAdapter.prototype,
    streamsAdapter: withStreamsAdapter ? namespace.adapter : undefined,
    streamsUtil,
    webSocketsControllerPrototype: WebSocketsController.prototype,
  };
}
