import type { AppConfig } from '../../src/config/app-config.js';
import type { Broker, Publication, Received } from '../../src/engine/broker.js';
import type { ConnectionStore } from '../../src/engine/connection.store.js';
import { MemoryBroker } from '../../src/engine/memory/memory-broker.js';
import { MemoryConnectionStore } from '../../src/engine/memory/memory-connection.store.js';
import { RedisBroker } from '../../src/engine/redis/redis-broker.js';
import { RedisConnectionStore } from '../../src/engine/redis/redis-connection.store.js';
import { RedisConnections } from '../../src/engine/redis/redis-connections.js';
import { RedisNodeChannels } from '../../src/engine/redis/redis-node-channels.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { redisEnv, testConfig, uniquePrefix } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { fresh, T0 } from './store-contract.js';

// The Broker port (src/engine/broker.ts) on both engines: positions, histories, who was live.
// With Redis, two brokers are two nodes: a publication to a user reaches only the node holding
// that user's sockets; one to any other room reaches every node.

interface Node {
  config: AppConfig;
  broker: Broker;
  connections: ConnectionStore;
  received: Received[];
}

const env = { RECOVERY_WINDOW_MS: '60000' };
const toUser = (userId: string, body: string, kept = true): Publication => ({ body, kept, rooms: [`user:${userId}`], users: [{ userId, rooms: [`user:${userId}`] }] });
const toRoom = (room: string, body: string, kept = true): Publication => ({ body, kept, rooms: [room] });

describe.each(['memory', 'redis'] as const)('Broker contract (%s)', (engine) => {
  const nodes: Node[] = [];
  const redis: RedisConnections[] = [];

  beforeAll(async () => {
    if (engine === 'memory') {
      const config = testConfig(env);
      const connections = new MemoryConnectionStore();
      const node: Node = { config, broker: new MemoryBroker(config, connections), connections, received: [] };
      nodes.push(node);
    } else {
      const prefix = uniquePrefix('broker');
      for (let i = 0; i < 2; i++) {
        const config = testConfig({ ...env, ...redisEnv(prefix) });
        const connections = new RedisConnections(config, new MetricsService());
        await connections.connect(5000);
        redis.push(connections);
        nodes.push({ config, broker: new RedisBroker(config, connections, new RedisNodeChannels(config, connections)), connections: new RedisConnectionStore(connections), received: [] });
      }
    }
    for (const node of nodes) {
      node.broker.onReceive((r) => node.received.push(r));
      await node.connections.heartbeat(node.config.nodeId, T0, 600_000);
    }
    // The first publication is heard once the subscriptions are in place.
    await eventually('the nodes to listen', async () => {
      await nodes[0].broker.publish([toRoom(`probe-${fresh()}`, 'probe', false)], T0);
      return nodes.every((n) => n.received.some((r) => r.body === 'probe'));
    }, (ok) => ok);
  });

  afterAll(async () => {
    await Promise.all(redis.map((c) => c.onApplicationShutdown()));
  });

  const heard = (node: Node, body: string) => node.received.filter((r) => r.body === body);

  it('stamps each kept publication with the next position of one clock; an unkept one has none and no history', async () => {
    const room = `chat:${fresh()}`;
    const before = await nodes[0].broker.position();
    const published = await nodes[0].broker.publish([toRoom(room, 'one'), toRoom(room, 'volatile', false), toRoom(room, 'two')], T0);
    expect(published.map((p) => p.n)).toEqual([before + 1, 0, before + 2]);
    const read = await nodes[0].broker.history([room], before, 10);
    expect(read).toEqual({ ok: true, entries: [{ n: before + 1, body: 'one' }, { n: before + 2, body: 'two' }] });
  });

  it("reads several rooms' histories after a position, in clock order, without the rooms not asked", async () => {
    const [r1, r2, r3] = [`chat:${fresh()}`, `chat:${fresh()}`, `chat:${fresh()}`];
    await nodes[0].broker.publish([toRoom(r1, 'before')], T0);
    const after = await nodes[0].broker.position();
    await nodes[0].broker.publish([toRoom(r2, 'a'), toRoom(r1, 'b'), toRoom(r3, 'elsewhere'), toRoom(r2, 'c')], T0);
    const read = await nodes[nodes.length - 1].broker.history([r1, r2], after, 10);
    expect(read.ok && read.entries.map((e) => e.body)).toEqual(['a', 'b', 'c']);
  });

  it('says overflow past the limit, and gap for a position of an earlier clock or one not reached yet', async () => {
    const room = `chat:${fresh()}`;
    const after = await nodes[0].broker.position();
    await nodes[0].broker.publish(Array.from({ length: 5 }, (_, i) => toRoom(room, `m${i}`)), T0);
    expect(await nodes[0].broker.history([room], after, 4)).toEqual({ ok: false, reason: 'overflow' });
    // The clock started at its start time in microseconds: a position of a clock before it is below that.
    expect(await nodes[0].broker.history([room], (T0 - 60_000) * 1000, 10)).toEqual({ ok: false, reason: 'reset' });
    expect(await nodes[0].broker.history([room], after + 1000, 10)).toEqual({ ok: false, reason: 'gap' });
  });

  it('tells which users had a live socket, and keeps history for a user only while someone may recover', async () => {
    const [live, away, gone] = [fresh('live'), fresh('away'), fresh('gone')];
    await nodes[0].connections.add(live, 'sock-1', nodes[0].config.nodeId);
    await nodes[0].broker.keepHistory(away, 60_000);
    const after = await nodes[0].broker.position();
    const [published] = await nodes[0].broker.publish(
      [{ body: 'to-three', kept: true, rooms: [`user:${live}`, `user:${away}`, `user:${gone}`], users: [live, away, gone].map((u) => ({ userId: u, rooms: [`user:${u}`] })) }],
      T0,
    );
    expect(published.live).toEqual([true, false, false]);
    const forAway = await nodes[0].broker.history([`user:${away}`], after, 10);
    expect(forAway.ok && forAway.entries.map((e) => e.body)).toEqual(['to-three']);
    if (engine === 'redis') {
      // Nobody of `gone` may recover: nothing is kept for them.
      const forGone = await nodes[0].broker.history([`user:${gone}`], after, 10);
      expect(forGone.ok && forGone.entries).toEqual([]);
    }
  });

  it("keeps publications for the users of a swept node (crashed: their clients come back elsewhere and recover)", async () => {
    const [u, dead] = [fresh('swept'), `node-${fresh()}`];
    await nodes[0].connections.heartbeat(dead, T0, 1);
    await nodes[0].connections.add(u, 'sock-d', dead);
    expect(await nodes[0].connections.sweepNode(dead, 60_000)).toEqual([u]);
    const after = await nodes[0].broker.position();
    const [published] = await nodes[0].broker.publish([toUser(u, 'while-away')], T0);
    expect(published.live).toEqual([false]);
    const read = await nodes[0].broker.history([`user:${u}`], after, 10);
    expect(read.ok && read.entries.map((e) => e.body)).toEqual(['while-away']);
  });

  if (engine === 'redis') {
    it("sends a publication to a user only to the node holding that user's sockets, and one to another room to every node", async () => {
      const [onB, room] = [fresh('on-b'), `chat:${fresh()}`];
      const [a, b] = nodes;
      await a.connections.add(onB, 'sock-b', b.config.nodeId);
      await a.broker.publish([toUser(onB, `for-${onB}`), toRoom(room, `room-${room}`)], T0);
      await eventually('both nodes to hear the room publication', async () => heard(a, `room-${room}`).length + heard(b, `room-${room}`).length, (n) => n === 2);
      expect(heard(b, `for-${onB}`)).toHaveLength(1);
      expect(heard(a, `for-${onB}`)).toHaveLength(0);
    });

    it('delivers the publications of one node to another in the order they were made', async () => {
      const [a, b] = nodes;
      const u = fresh('order');
      await a.connections.add(u, 'sock-o', b.config.nodeId);
      const bodies = Array.from({ length: 50 }, (_, i) => `o-${u}-${i}`);
      await Promise.all(bodies.map((body) => a.broker.publish([toUser(u, body)], T0)));
      await eventually('all 50 to arrive', async () => b.received.filter((r) => r.body.startsWith(`o-${u}-`)).length, (n) => n === 50);
      const arrived = b.received.filter((r) => r.body.startsWith(`o-${u}-`));
      expect(arrived.map((r) => r.body)).toEqual(bodies);
      expect(arrived.map((r) => r.n)).toEqual([...arrived.map((r) => r.n)].sort((x, y) => x - y));
    });

    it('sends a publication after a quiet spell at once, and those made within REDIS_PUBLISH_LINGER_MS of a call together in the next one, in order', async () => {
      const [a, b] = nodes;
      const config = testConfig({ ...env, ...redisEnv(a.config.prefix), REDIS_PUBLISH_LINGER_MS: '100' });
      const connections = redis[0];
      const calls: number[] = [];
      const counting = Object.create(connections) as RedisConnections;
      counting.scriptNow = (name) => {
        const run = connections.scriptNow(name);
        return (...args) => {
          calls.push(Number(args[Number(args[0]) + 5]));
          return run(...args);
        };
      };
      const broker = new RedisBroker(config, counting, new RedisNodeChannels(config, counting));
      const u = fresh('linger');
      await a.connections.add(u, 'sock-l', b.config.nodeId);
      const turn = () => new Promise((resolve) => setImmediate(resolve));
      const first = broker.publish([toUser(u, `l-${u}-0`)], T0);
      await turn();
      expect(calls).toEqual([1]);
      const later = [];
      for (let i = 1; i <= 3; i++) {
        later.push(broker.publish([toUser(u, `l-${u}-${i}`)], T0));
        await turn();
      }
      expect(calls).toEqual([1]);
      const published = await Promise.all([first, ...later]);
      expect(calls).toEqual([1, 3]);
      const positions = published.map(([p]) => p.n);
      expect(positions).toEqual([...positions].sort((x, y) => x - y));
      await eventually('all four to arrive', async () => b.received.filter((r) => r.body.startsWith(`l-${u}-`)).map((r) => r.body), (got) => got.length === 4);
      expect(b.received.filter((r) => r.body.startsWith(`l-${u}-`)).map((r) => r.body)).toEqual([0, 1, 2, 3].map((i) => `l-${u}-${i}`));
    });
  }
});
