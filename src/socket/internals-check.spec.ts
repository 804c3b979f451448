import { readFileSync } from 'node:fs';
import { Server } from 'socket.io';
import { checkSocketIoInternals, liveInternals, PINNED_VERSIONS, type SocketIoInternals } from './internals-check.js';

/** A copy of `proto` whose chain lacks `key` (the real prototype is left alone). */
function without(proto: object, key: string): object {
  const copy = Object.create(proto) as Record<string, unknown>;
  Object.defineProperty(copy, key, { value: undefined });
  return copy;
}

describe('checkSocketIoInternals', () => {
  let io: Server;
  let real: SocketIoInternals;
  beforeAll(() => {
    io = new Server();
    real = liveInternals(io, false);
  });

  it('passes on the installed packages (memory engine)', () => {
    expect(() => checkSocketIoInternals(real)).not.toThrow();
  });

  // The live Redis streams adapter is checked by every e2e test of the Redis engine (createApp runs the check).
  it('checks the streams adapter instance only when there is one', () => {
    const streamsAdapter = { uid: 'node-1', onRawMessage: () => undefined };
    expect(() => checkSocketIoInternals({ ...real, streamsAdapter })).not.toThrow();
    expect(() => checkSocketIoInternals({ ...real, streamsAdapter: { onRawMessage: () => undefined } })).toThrow(
      /@socket\.io\/redis-streams-adapter RedisStreamsAdapter#uid \(used by src\/socket\/gateway-io\.adapter\.ts\); the gateway supports @socket\.io\/redis-streams-adapter 0\.3\.1 exactly/,
    );
  });

  it.each<[string, (r: SocketIoInternals) => SocketIoInternals, RegExp]>([
    ['Namespace#_preConnectSockets', (r) => ({ ...r, namespace: without(r.namespace, '_preConnectSockets') }), /socket\.io Namespace#_preConnectSockets \(used by src\/socket\/recovery-gate\.ts, src\/user-gateway\/recovery-authorisation\.ts\); the gateway supports socket\.io 4\.8\.3 exactly/],
    ['Socket#packet', (r) => ({ ...r, socketPrototype: without(r.socketPrototype, 'packet') }), /socket\.io Socket#packet\(\)/],
    [
      'Adapter#_encode',
      (r) => ({ ...r, adapterPrototype: without(r.adapterPrototype, '_encode') }),
      /socket\.io-adapter Adapter#_encode\(\) \(used by src\/socket\/bounded-recovery\.adapter\.ts, src\/socket\/delivery-count\.ts\); the gateway supports socket\.io-adapter 2\.5\.8 exactly \(pinned in package\.json\), installed: 2\.5\.8/,
    ],
    ['Adapter#restoreSession', (r) => ({ ...r, adapterPrototype: without(r.adapterPrototype, 'restoreSession') }), /socket\.io-adapter Adapter#restoreSession\(\)/],
    ['ClusterAdapter#addOffsetIfNecessary', (r) => ({ ...r, clusterAdapterPrototype: without(r.clusterAdapterPrototype, 'addOffsetIfNecessary') }), /ClusterAdapter#addOffsetIfNecessary\(\)/],
    ['the streams adapter writing sessions with client.set()', (r) => ({ ...r, streamsUtil: { ...r.streamsUtil, SET: (c: { hset(): void }) => c.hset() } }), /SET\(\) writing sessions with client\.set\(\) .*0\.3\.1/],
    ['the streams adapter duplicating its client', (r) => ({ ...r, streamsUtil: { ...r.streamsUtil, duplicateClient: undefined } }), /duplicateClient\(\) using client\.duplicate\(\) \(used by src\/engine\/redis\/redis-connections\.ts\)/],
    ['WebSocketsController#getConnectionHandler', (r) => ({ ...r, webSocketsControllerPrototype: without(r.webSocketsControllerPrototype, 'getConnectionHandler') }), /@nestjs\/websockets WebSocketsController#getConnectionHandler\(\) .*12\.1\.1 exactly/],
  ])('throws naming %s and the pinned version when it is missing', (_label, strip, message) => {
    expect(() => checkSocketIoInternals(strip(real))).toThrow(message);
  });

  it('names every missing internal at once', () => {
    const stripped = { ...real, namespace: {}, socketPrototype: {} };
    expect(() => checkSocketIoInternals(stripped)).toThrow(/Namespace#_preConnectSockets.*; socket\.io Socket#packet\(\)/);
  });

  it('knows the versions package.json pins exactly', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const [pkg, version] of Object.entries(PINNED_VERSIONS)) expect(manifest.dependencies[pkg]).toBe(version);
    // The rest of the Socket.IO family is pinned too (no ^ or ~ range).
    // socket.io-client is a dependency: the typed client (realtime-gateway/client) is built on it.
    for (const pkg of ['socket.io', 'socket.io-adapter', 'socket.io-client', '@socket.io/redis-streams-adapter', '@socket.io/admin-ui']) {
      expect(manifest.dependencies[pkg]).toMatch(/^\d+\.\d+\.\d+$/);
    }
    expect(manifest.devDependencies['socket.io-client']).toBeUndefined();
  });
});
