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
    real = liveInternals(io);
  });

  it('passes on the installed packages (memory engine)', () => {
    expect(() => checkSocketIoInternals(real)).not.toThrow();
  });

  it.each<[string, (r: SocketIoInternals) => SocketIoInternals, RegExp]>([
    ['Namespace#_preConnectSockets', (r) => ({ ...r, namespace: without(r.namespace, '_preConnectSockets') }), /socket\.io Namespace#_preConnectSockets \(used by src\/recovery\/recovery\.service\.ts\); the gateway supports socket\.io 4\.8\.3 exactly/],
    ['Client#writeToEngine', (r) => ({ ...r, clientPrototype: without(r.clientPrototype, 'writeToEngine') }), /socket\.io Client#writeToEngine\(\) \(used by src\/cluster\/local-delivery\.ts\)/],
    ['Adapter#apply', (r) => ({ ...r, adapterPrototype: without(r.adapterPrototype, 'apply') }), /socket\.io-adapter Adapter#apply\(\) \(used by src\/cluster\/gateway\.adapter\.ts\); the gateway supports socket\.io-adapter 2\.5\.8 exactly \(pinned in package\.json\), installed: 2\.5\.8/],
    ['Adapter#encoder', (r) => ({ ...r, adapter: without(r.adapter, 'encoder') }), /socket\.io-adapter Adapter#encoder/],
    ['ClusterAdapter#doPublish', (r) => ({ ...r, clusterAdapterPrototype: { ...r.clusterAdapterPrototype, publishAndReturnOffset: () => undefined } }), /ClusterAdapter#doPublish\(\)/],
    ['WebSocketsController#getConnectionHandler', (r) => ({ ...r, webSocketsControllerPrototype: without(r.webSocketsControllerPrototype, 'getConnectionHandler') }), /@nestjs\/websockets WebSocketsController#getConnectionHandler\(\) .*12\.1\.1 exactly/],
  ])('throws naming %s and the pinned version when it is missing', (_label, strip, message) => {
    expect(() => checkSocketIoInternals(strip(real))).toThrow(message);
  });

  it('names every missing internal at once', () => {
    const stripped = { ...real, namespace: {}, adapter: {} };
    expect(() => checkSocketIoInternals(stripped)).toThrow(/Namespace#_preConnectSockets.*; socket\.io-adapter Adapter#rooms/);
  });

  it('knows the versions package.json pins exactly', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const [pkg, version] of Object.entries(PINNED_VERSIONS)) expect(manifest.dependencies[pkg]).toBe(version);
    // The rest of the Socket.IO family is pinned too (no ^ or ~ range).
    // socket.io-client is a dependency: the typed client (realtime-gateway/client) is built on it.
    for (const pkg of ['socket.io', 'socket.io-adapter', 'socket.io-client', '@socket.io/admin-ui']) {
      expect(manifest.dependencies[pkg]).toMatch(/^\d+\.\d+\.\d+$/);
    }
    expect(manifest.devDependencies['socket.io-client']).toBeUndefined();
  });
});
