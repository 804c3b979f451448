import { Injectable } from '@nestjs/common';
import { EngineHealth } from '../engine-health.js';
import { RedisConnections } from './redis-connections.js';

@Injectable()
export class RedisEngineHealth extends EngineHealth {
  readonly kind = 'redis' as const;

  constructor(private readonly redis: RedisConnections) {
    super();
  }

  available(): boolean {
    return this.redis.command.status === 'ready';
  }

  onReconnect(listener: () => void): void {
    this.redis.command.on('ready', listener);
  }

  async ping(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        // Its own connection: not behind the node's queued commands (RedisConnections).
        this.redis.health.ping().then((r) => r === 'PONG'),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
      ]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
