import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { EngineBus } from '../engine/engine-bus.js';

export const HEARTBEAT_EVERY_MS = 5000;
/** Heartbeats that may go missing before the subscriber connection is recycled. */
const MISSED_LIMIT = 3;

/**
 * A pub/sub connection can die silently (no error, no close): then ioredis never re-subscribes.
 * The node publishes a heartbeat to itself; if its own subscriber stops hearing them while the
 * command connection still reaches Redis, the subscriber is reconnected (and re-subscribes).
 */
@Injectable()
export class SubscriberHeartbeat implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SubscriberHeartbeat.name);
  private timer?: NodeJS.Timeout;
  private lastHeard = Date.now();
  private readonly channel: string;

  constructor(
    private readonly config: AppConfig,
    private readonly bus: EngineBus,
  ) {
    this.channel = `${config.prefix}:heartbeat:${config.nodeId}`;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.subscribe([this.channel], () => (this.lastHeard = Date.now())).catch(() => undefined);
    this.timer = setInterval(() => void this.tick(), HEARTBEAT_EVERY_MS);
    this.timer.unref();
  }

  /** When this node last heard its own heartbeat. */
  get lastHeardAt(): number {
    return this.lastHeard;
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Exposed for tests: one heartbeat round. */
  async tick(now = Date.now()): Promise<'ok' | 'recycled' | 'redis-down'> {
    try {
      await this.bus.publish(this.channel, String(now));
    } catch {
      return 'redis-down'; // nothing to learn about the subscriber while Redis itself is away
    }
    if (now - this.lastHeard <= HEARTBEAT_EVERY_MS * MISSED_LIMIT) return 'ok';
    this.logger.warn({ silentForMs: now - this.lastHeard }, 'Control-bus subscriber stopped hearing heartbeats; reconnecting it');
    this.lastHeard = Date.now();
    this.bus.recycleSubscriber();
    return 'recycled';
  }
}
