import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import type { Received } from '../broker.js';
import { RedisConnections } from './redis-connections.js';

type Listener = (channel: string, message: string) => void;

/**
 * This node's two channels on the `bus` connection: its own (`{prefix}:node:{id}`, publications
 * for its users and messages for it) and the one every node hears (`{prefix}:all`). A
 * publication starts with `P<position>:`, a node message with `N`. On standalone Redis both
 * channels share one connection, so this node receives everything in the order Redis applied it.
 *
 * Pub/sub delivers only to a connected subscriber: after the connection comes back, the broker's
 * resume listeners catch the node's sockets up from the rooms' histories.
 */
@Injectable()
export class RedisNodeChannels implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisNodeChannels.name);
  private receive?: (received: Received) => void;
  private readonly nodeMessages: Array<(message: string) => void> = [];
  private readonly resumeListeners: Array<() => void> = [];
  private started = false;
  private lost = false;

  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisConnections,
  ) {}

  get channels(): string[] {
    return [this.redis.keys.nodeChannel(this.config.nodeId), this.redis.keys.allChannel];
  }

  onPublication(handler: (received: Received) => void): void {
    this.receive = handler;
    this.start();
  }

  onNodeMessage(handler: (message: string) => void): void {
    this.nodeMessages.push(handler);
    this.start();
  }

  onResume(listener: () => void): void {
    this.resumeListeners.push(listener);
  }

  /** Subscribes once; ioredis subscribes again by itself after every reconnect. */
  private start(): void {
    if (this.started) return;
    this.started = true;
    const { bus, clustered } = this.redis;
    const listener: Listener = (_channel, message) => this.dispatch(message);
    bus.on(clustered ? 'smessage' : 'message', listener);
    bus.on('close', () => {
      this.lost = true;
    });
    bus.on('ready', () => {
      if (!this.lost) return;
      this.lost = false;
      for (const resume of this.resumeListeners) resume();
    });
    // Sharded channels live in their own slots: one SSUBSCRIBE per channel.
    const sharded = bus as unknown as { ssubscribe(channel: string): Promise<unknown> };
    const subscribed = clustered ? Promise.all(this.channels.map((channel) => sharded.ssubscribe(channel))) : bus.subscribe(...this.channels);
    subscribed.catch((err: Error) => {
      // Retried by ioredis on reconnect; readiness reports Redis meanwhile.
      this.logger.warn({ reason: err.message }, 'Could not subscribe to the node channels yet');
    });
  }

  private dispatch(message: string): void {
    if (message[0] === 'P') {
      const colon = message.indexOf(':', 1);
      if (colon > 0) this.receive?.({ n: Number(message.slice(1, colon)), body: message.slice(colon + 1) });
    } else if (message[0] === 'N') {
      const payload = message.slice(1);
      for (const handler of this.nodeMessages) handler(payload);
    }
  }

  /** Publishes on a node channel or the all channel (sharded on Cluster). */
  publish(channel: string, message: string): Promise<unknown> {
    const { command, clustered } = this.redis;
    return clustered
      ? (command as unknown as { spublish(channel: string, message: string): Promise<unknown> }).spublish(channel, message)
      : command.publish(channel, message);
  }

  /**
   * Subscribers of a node's channel: 0 once the node's connection is gone, which Redis sees at
   * once when a node crashes. Undefined on Cluster (the count lives on the channel's master,
   * which a keyless command does not reach): the heartbeat alone tells there.
   */
  async subscribers(nodeId: string): Promise<number | undefined> {
    const { command, clustered, keys } = this.redis;
    if (clustered) return undefined;
    const reply = (await command.call('PUBSUB', 'NUMSUB', keys.nodeChannel(nodeId))) as [string, number];
    return Number(reply[1] ?? 0);
  }

  onApplicationShutdown(): void {
    this.receive = undefined;
    this.nodeMessages.length = 0;
  }
}
