import { Injectable } from '@nestjs/common';
import { NodeBus } from '../node-bus.js';
import { RedisConnections } from './redis-connections.js';
import { RedisNodeChannels } from './redis-node-channels.js';

/** How long a node may be silent on its channel while its heartbeat still looks fresh. */
const SILENT_GRACE_MS = 2000;

/**
 * Node messages ride the node channels (RedisNodeChannels) and are sent on the command
 * connection, the one publications use, so a node applies both in the order they were sent.
 */
@Injectable()
export class RedisNodeBus extends NodeBus {
  constructor(
    private readonly redis: RedisConnections,
    private readonly channels: RedisNodeChannels,
  ) {
    super();
  }

  async toAll(message: string): Promise<void> {
    await this.channels.publish(this.redis.keys.allChannel, `N${message}`);
  }

  async toNode(nodeId: string, message: string): Promise<void> {
    await this.channels.publish(this.redis.keys.nodeChannel(nodeId), `N${message}`);
  }

  onMessage(handler: (message: string) => void): void {
    this.channels.onNodeMessage(handler);
  }

  async isAlive(nodeId: string, now: number): Promise<boolean> {
    const expiry = await this.redis.command.zscore(this.redis.keys.nodes, nodeId);
    if (expiry === null || Number(expiry) < now) return false;
    const subscribers = await this.channels.subscribers(nodeId);
    if (subscribers === undefined || subscribers > 0) return true;
    // Not listening: crashed, or its connection is being re-established (then it still beats).
    const lastBeat = await this.lastSeen(nodeId);
    return lastBeat !== undefined && lastBeat >= now - SILENT_GRACE_MS;
  }

  async lastSeen(nodeId: string): Promise<number | undefined> {
    const at = await this.redis.command.hget(this.redis.keys.nodeBeats, nodeId);
    return at === null ? undefined : Number(at);
  }
}
