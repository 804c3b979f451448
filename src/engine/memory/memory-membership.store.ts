import { Injectable } from '@nestjs/common';
import { MembershipStore } from '../membership.store.js';

function index(map: Map<string, Set<string>>, key: string): Set<string> {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  return set;
}

@Injectable()
export class MemoryMembershipStore extends MembershipStore {
  private readonly chats = new Map<string, Set<string>>();
  private readonly userChats = new Map<string, Set<string>>();
  private readonly friends = new Map<string, Set<string>>();

  async setMembers(chatId: string, userIds: string[]): Promise<{ added: string[]; removed: string[] }> {
    const before = new Set(this.chats.get(chatId) ?? []);
    const after = new Set(userIds);
    const added = [...after].filter((u) => !before.has(u));
    const removed = [...before].filter((u) => !after.has(u));
    this.chats.set(chatId, after);
    for (const u of added) index(this.userChats, u).add(chatId);
    for (const u of removed) this.userChats.get(u)?.delete(chatId);
    return { added, removed };
  }

  async addMembers(chatId: string, userIds: string[]): Promise<string[]> {
    const members = index(this.chats, chatId);
    const added = [...new Set(userIds)].filter((u) => !members.has(u));
    for (const u of added) {
      members.add(u);
      index(this.userChats, u).add(chatId);
    }
    return added;
  }

  async removeMember(chatId: string, userId: string): Promise<boolean> {
    this.userChats.get(userId)?.delete(chatId);
    return this.chats.get(chatId)?.delete(userId) ?? false;
  }

  async isMember(chatId: string, userId: string): Promise<boolean> {
    return this.chats.get(chatId)?.has(userId) ?? false;
  }

  async members(chatId: string): Promise<string[]> {
    return [...(this.chats.get(chatId) ?? [])];
  }

  async chatsOf(userId: string): Promise<string[]> {
    return [...(this.userChats.get(userId) ?? [])];
  }

  async setFriends(userId: string, friendIds: string[]): Promise<void> {
    this.friends.set(userId, new Set(friendIds));
  }

  async friendsOf(userId: string): Promise<string[]> {
    return [...(this.friends.get(userId) ?? [])];
  }
}
