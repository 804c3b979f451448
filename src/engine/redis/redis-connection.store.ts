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

  async onlineUsers(userIds: string[], now: number): Promise<Set<string>> {
    const { command, keys } = this.redis;
    const [alive, ...perUser] = await Promise.all([
      command.zrangebyscore(keys.nodes, now, '+inf'),
      ...userIds.map((u) => command.hvals(keys.connections(u))),
    ]);
    const aliveNodes = new Set(alive);
    const online = new Set<string>();
    userIds.forEach((u, i) => {
      if (perUser[i].some((node) => aliveNodes.has(node))) online.add(u);
    });
    return online;
  }

  async heartbeat(nodeId: string, now: number, ttlMs: number): Promise<void> {
    await this.redis.command.zadd(this.redis.keys.nodes, now + ttlMs, nodeId);
  }

  async removeNode(nodeId: string): Promise<void> {
    await this.redis.command.zrem(this.redis.keys.nodes, nodeId);
  }
}
