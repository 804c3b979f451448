import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { WebSocketsController } from '@nestjs/websockets/web-sockets-controller.js';
import { Socket, type Server } from 'socket.io';
import { Adapter, ClusterAdapterWithHeartbeat } from 'socket.io-adapter';

/**
 * The versions the gateway's patches were written against, pinned exactly in package.json (a spec
 * keeps the two equal). Upgrading one means re-reading the files named below.
 */
export const PINNED_VERSIONS = {
  'socket.io': '4.8.3',
  'socket.io-adapter': '2.5.8',
  '@nestjs/websockets': '12.1.1',
} as const;

type Pkg = keyof typeof PINNED_VERSIONS;

/** The objects whose internals the gateway relies on; start-up passes the real ones, a spec stripped copies. */
export interface SocketIoInternals {
  /** socket.io `Socket.prototype`. */
  socketPrototype: object;
  /** socket.io `Client.prototype` (one per engine.io connection). */
  clientPrototype: object;
  /** A live namespace of the server. */
  namespace: object;
  /** socket.io-adapter `Adapter.prototype` (the in-memory adapter). */
  adapterPrototype: object;
  /** socket.io-adapter `ClusterAdapterWithHeartbeat.prototype` (base of the gateway's adapter). */
  clusterAdapterPrototype: object;
  /** The live adapter of `/`. */
  adapter: object;
  /** @nestjs/websockets `WebSocketsController.prototype`. */
  webSocketsControllerPrototype: object;
}

type Kind = 'function' | 'Map' | 'string' | 'object' | { calls: string };

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
  { pkg: 'socket.io', name: 'Namespace#_preConnectSockets', target: 'namespace', key: '_preConnectSockets', kind: 'Map', usedBy: 'recovery/recovery.service.ts' },
  { pkg: 'socket.io', name: 'Client#writeToEngine()', target: 'clientPrototype', key: 'writeToEngine', kind: 'function', usedBy: 'cluster/local-delivery.ts' },
  { pkg: 'socket.io-adapter', name: 'Adapter#apply()', target: 'adapterPrototype', key: 'apply', kind: 'function', usedBy: 'cluster/gateway.adapter.ts' },
  { pkg: 'socket.io-adapter', name: 'Adapter#rooms', target: 'adapter', key: 'rooms', kind: 'Map', usedBy: 'cluster/gateway.adapter.ts' },
  { pkg: 'socket.io-adapter', name: 'Adapter#encoder', target: 'adapter', key: 'encoder', kind: 'object', usedBy: 'cluster/gateway.adapter.ts' },
  { pkg: 'socket.io-adapter', name: 'ClusterAdapter#doPublish()', target: 'clusterAdapterPrototype', key: 'publishAndReturnOffset', kind: { calls: 'doPublish' }, usedBy: 'cluster/gateway.adapter.ts' },
  { pkg: 'socket.io-adapter', name: 'ClusterAdapter#onMessage()', target: 'clusterAdapterPrototype', key: 'onMessage', kind: 'function', usedBy: 'cluster/gateway.adapter.ts' },
  { pkg: 'socket.io-adapter', name: 'ClusterAdapter#onResponse()', target: 'clusterAdapterPrototype', key: 'onResponse', kind: 'function', usedBy: 'cluster/gateway.adapter.ts' },
  { pkg: '@nestjs/websockets', name: 'WebSocketsController#getConnectionHandler()', target: 'webSocketsControllerPrototype', key: 'getConnectionHandler', kind: 'function', usedBy: 'socket/dispatcher-binding.ts' },
];

function holds(value: unknown, kind: Kind): boolean {
  if (kind === 'Map') return value instanceof Map;
  if (kind === 'string') return typeof value === 'string';
  if (kind === 'object') return typeof value === 'object' && value !== null;
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
 * packets or delivering twice.
 */
export function checkSocketIoInternals(internals: SocketIoInternals): void {
  const missing = REQUIREMENTS.filter(({ target, key, kind }) => {
    const owner = internals[target] as Record<string, unknown> | undefined;
    if (owner === undefined) return true;
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

/** socket.io's `Client` class is not exported: read it from the package's own file. */
function socketIoClientPrototype(): object {
  const require = createRequire(import.meta.url);
  const { Client } = require(join(dirname(require.resolve('socket.io')), 'client.js')) as { Client: { prototype: object } };
  return Client.prototype;
}

/** The real objects of a running server. */
export function liveInternals(io: Server): SocketIoInternals {
  const namespace = io.of('/');
  return {
    socketPrototype: Socket.prototype,
    clientPrototype: socketIoClientPrototype(),
    namespace,
    adapterPrototype: Adapter.prototype,
    clusterAdapterPrototype: ClusterAdapterWithHeartbeat.prototype,
    adapter: namespace.adapter,
    webSocketsControllerPrototype: WebSocketsController.prototype,
  };
}
