import { Injectable } from '@nestjs/common';
import { MembershipStore } from '../membership.store.js';
import { RedisConnections } from './redis-connections.js';

const CHUNK = 1000;

/**
 * A set per chat (changed atomically, in Lua for replacement) and a set of chats per user kept
 * in step after it. They live in different Cluster slots, so the user index is updated right
 * after the chat set and is idempotent if repeated.
 */
@Injectable()
export class RedisMembershipStore extends MembershipStore {
  constructor(private readonly redis: RedisConnections) {
    super();
  }

  private async indexUsers(chatId: string, added: string[], removed: string[]): Promise<void> {
    const { command, keys } = this.redis;
    await Promise.all([
      ...added.map((u) => command.sadd(keys.userChats(u), chatId)),
      ...removed.map((u) => command.srem(keys.userChats(u), chatId)),
    ]);
  }

  async setMembers(chatId: string, userIds: string[]): Promise<{ added: string[]; removed: string[] }> {
    // Two lists, not one with a separator: any string may be a member id.
    const [added, removed] = (await this.redis.script('gwChatSetMembers')(this.redis.keys.chatMembers(chatId), ...new Set(userIds))) as [string[], string[]];
    await this.indexUsers(chatId, added, removed);
    return { added, removed };
  }

  async addMembers(chatId: string, userIds: string[]): Promise<string[]> {
    const key = this.redis.keys.chatMembers(chatId);
    const unique = [...new Set(userIds)];
    const added: string[] = [];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const chunk = unique.slice(i, i + CHUNK);
      const flags = await Promise.all(chunk.map((u) => this.redis.command.sadd(key, u)));
      chunk.forEach((u, j) => flags[j] === 1 && added.push(u));
    }
    await this.indexUsers(chatId, added, []);
    return added;
  }

  async removeMember(chatId: string, userId: string): Promise<boolean> {
    const removed = (await this.redis.command.srem(this.redis.keys.chatMembers(chatId), userId)) === 1;
    await this.redis.command.srem(this.redis.keys.userChats(userId), chatId);
    return removed;
  }

  async isMember(chatId: string, userId: string): Promise<boolean> {
    return (await this.redis.command.sismember(this.redis.keys.chatMembers(chatId), userId)) === 1;
  }

  async members(chatId: string): Promise<string[]> {
    return this.redis.command.smembers(this.redis.keys.chatMembers(chatId));
  }

  async chatsOf(userId: string): Promise<string[]> {
    return this.redis.command.smembers(this.redis.keys.userChats(userId));
  }

  async setFriends(userId: string, friendIds: string[]): Promise<void> {
    const key = this.redis.keys.friends(userId);
    const unique = [...new Set(friendIds)];
    await this.redis.command.multi().del(key).sadd(key, ...(unique.length ? unique : ['\u0000'])).srem(key, '\u0000').exec();
  }

  async friendsOf(userId: string): Promise<string[]> {
    return this.redis.command.smembers(this.redis.keys.friends(userId));
  }
}
