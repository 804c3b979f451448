import { Injectable } from '@nestjs/common';
import { type BusChannel, EngineBus } from '../engine-bus.js';
import { RedisConnections } from './redis-connections.js';

/** Pub/sub on the subscriber connection (publishes on the command one); claims are `SET NX PX`. */
@Injectable()
export class RedisEngineBus extends EngineBus {
  constructor(private readonly redis: RedisConnections) {
    super();
  }

  channelName(channel: BusChannel): string {
    return this.redis.keys.channel(channel);
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.redis.command.publish(channel, message);
  }

  async subscribe(channels: string[], onMessage: (channel: string, message: string) => void): Promise<void> {
    const wanted = new Set(channels);
    this.redis.subscriber.on('message', (channel: string, message: string) => {
      if (wanted.has(channel)) onMessage(channel, message);
    });
    const subscribed = this.redis.subscriber.subscribe(...channels);
    if (this.redis.subscriber.status !== 'ready') {
      // Redis is away (a node started during an outage, docs/protocol.md §8): the queued SUBSCRIBE goes out
      // when it answers, and ioredis subscribes again after every reconnection. Waiting for it
      // here would hold the whole start-up until then.
      subscribed.catch(() => undefined);
      return;
    }
    await subscribed;
  }

  recycleSubscriber(): void {
    this.redis.subscriber.disconnect(true);
  }

  async claim(id: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.command.set(this.redis.keys.controlClaim(id), owner, 'PX', ttlMs, 'NX')) === 'OK';
  }
}
