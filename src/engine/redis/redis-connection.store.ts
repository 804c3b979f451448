import { Injectable } from '@nestjs/common';
import { ConnectionStore } from '../connection.store.js';
import { RedisConnections } from './redis-connections.js';

/** Sockets per user as a hash socketId → nodeId; nodes heartbeat into a sorted set by expiry. */
@Injectable()
export class RedisConnectionStore extends ConnectionStore {
  constructor(private readonly redis: RedisConnections) {
    super();
  }

  async add(userId: string, socketId: string, nodeId: string): Promise<void> {
    await this.redis.command.hset(this.redis.keys.connections(userId), socketId, nodeId);
  }

  async remove(userId: string, socketId: string): Promise<void> {
    await this.redis.command.hdel(this.redis.keys.connections(userId), socketId);
  }

  async socketCounts(userIds: string[], now: number): Promise<Map<string, number>> {
    const { command, keys } = this.redis;
    const [alive, ...perUser] = await Promise.all([
      command.zrangebyscore(keys.nodes, now, '+inf'),
      ...userIds.map((u) => command.hvals(keys.connections(u))),
    ]);
    const aliveNodes = new Set(alive);
    const counts = new Map<string, number>();
    userIds.forEach((u, i) => {
      const live = perUser[i].filter((node) => aliveNodes.has(node)).length;
      if (live > 0) counts.set(u, live);
    });
    return counts;
  }

  async heartbeat(nodeId: string, now: number, ttlMs: number): Promise<void> {
    await this.redis.command.zadd(this.redis.keys.nodes, now + ttlMs, nodeId);
  }

  async removeNode(nodeId: string): Promise<void> {
    await this.redis.command.zrem(this.redis.keys.nodes, nodeId);
  }
}
