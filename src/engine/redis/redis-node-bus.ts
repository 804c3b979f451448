import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { NodeBus, type NodeTopic, type NodeTopics } from '../node-bus.js';
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
  private readonly logger = new Logger(RedisNodeBus.name);
  private readonly handlers = new Map<string, (payload: unknown, from: string) => void>();
  private listening = false;

  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisConnections,
    private readonly channels: RedisNodeChannels,
  ) {
    super();
  }

  async toAll<T extends NodeTopic>(topic: T, payload: NodeTopics[T]): Promise<void> {
    await this.channels.publish(this.redis.keys.allChannel, this.encode(topic, payload));
  }

  async toNode<T extends NodeTopic>(nodeId: string, topic: T, payload: NodeTopics[T]): Promise<void> {
    await this.channels.publish(this.redis.keys.nodeChannel(nodeId), this.encode(topic, payload));
  }

  on<T extends NodeTopic>(topic: T, handler: (payload: NodeTopics[T], from: string) => void): void {
    this.handlers.set(topic, handler as (payload: unknown, from: string) => void);
    if (this.listening) return;
    this.listening = true;
    this.channels.onNodeMessage((message) => this.receive(message));
  }

  /** `N` + JSON `{ t: topic, f: sender, p: payload }` (the `N` tells it from a publication). */
  private encode(topic: string, payload: unknown): string {
    return `N${JSON.stringify({ t: topic, f: this.config.nodeId, p: payload })}`;
  }

  private receive(message: string): void {
    let parsed: { t?: unknown; f?: unknown; p?: unknown };
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch {
      this.logger.warn('Dropped a node message that is not JSON');
      return;
    }
    // The all-nodes channel brings this node's own messages back.
    if (typeof parsed.t !== 'string' || typeof parsed.f !== 'string' || parsed.f === this.config.nodeId) return;
    this.handlers.get(parsed.t)?.(parsed.p, parsed.f);
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
