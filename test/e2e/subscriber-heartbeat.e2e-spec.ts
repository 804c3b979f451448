import { RedisConnections } from '../../src/engine/redis/redis-connections.js';
import { SubscriberHeartbeat, HEARTBEAT_EVERY_MS } from '../../src/control-bus/subscriber-heartbeat.js';
import { redisEnv, uniquePrefix, useApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';

describe('control-bus subscriber heartbeat', () => {
  const sut = useApp(() => redisEnv(uniquePrefix('hb')));

  it('stays quiet while the subscriber hears its heartbeats', async () => {
    const hb = sut.app.get(SubscriberHeartbeat);
    expect(await hb.tick()).toBe('ok');
  });

  it('recycles a subscriber that went deaf, which then re-subscribes and hears again', async () => {
    const hb = sut.app.get(SubscriberHeartbeat);
    const { subscriber } = sut.app.get(RedisConnections);
    const reconnected = new Promise((resolve) => subscriber.once('ready', resolve));
    // Pretend the last heartbeat was heard long ago, as when a pub/sub socket dies silently.
    expect(await hb.tick(Date.now() + HEARTBEAT_EVERY_MS * 10)).toBe('recycled');
    await reconnected;
    const since = Date.now();
    // Heard again: the recycled connection re-subscribed to the heartbeat channel.
    await eventually('a heartbeat heard after the reconnect', async () => {
      await hb.tick();
      return hb.lastHeardAt;
    }, (heardAt) => heardAt > since);
  });
});
