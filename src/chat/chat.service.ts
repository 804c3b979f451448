import { Injectable } from '@nestjs/common';
import { DeliveryService } from '../delivery/delivery.service.js';
import { MembershipStore } from '../engine/membership.store.js';
import type { Actor } from '../session/actor.js';
import { Rooms } from '../socket/rooms.js';

/**
 * Chat membership and friends (docs/protocol.md §4.3). The backend owns the data; the gateway stores it,
 * and moves connected members' sockets in and out of `chat:{id}` on every node at once.
 */
@Injectable()
export class ChatService {
  constructor(
    private readonly store: MembershipStore,
    private readonly delivery: DeliveryService,
  ) {}

  async setMembers(chatId: string, userIds: string[]): Promise<{ added: string[]; removed: string[] }> {
    const change = await this.store.setMembers(chatId, userIds);
    change.added.forEach((u) => this.joined(chatId, u));
    change.removed.forEach((u) => this.left(chatId, u));
    return change;
  }

  async addMembers(chatId: string, userIds: string[]): Promise<{ added: string[] }> {
    const added = await this.store.addMembers(chatId, userIds);
    added.forEach((u) => this.joined(chatId, u));
    return { added };
  }

  async removeMember(chatId: string, userId: string): Promise<{ removed: boolean }> {
    const removed = await this.store.removeMember(chatId, userId);
    if (removed) this.left(chatId, userId);
    return { removed };
  }

  async setFriends(userId: string, friendIds: string[]): Promise<{ friends: number }> {
    const unique = [...new Set(friendIds)].filter((f) => f !== userId);
    await this.store.setFriends(userId, unique);
    return { friends: unique.length };
  }

  /** Stored membership, or the connection's `chats` token claim. */
  async canAccess(actor: Actor, chatId: string): Promise<boolean> {
    return actor.chats.includes(chatId) || (await this.store.isMember(chatId, actor.userId));
  }

  /** Authorised and in the room: joins the actor's connection when a member not in it yet. */
  async ensureJoined(actor: Actor, chatId: string): Promise<boolean> {
    if (this.delivery.isIn(actor.socketId, Rooms.chat(chatId))) return true;
    if (!(await this.canAccess(actor, chatId))) return false;
    await this.delivery.join(actor.socketId, Rooms.chat(chatId));
    return true;
  }

  /** Takes the actor's connection out of the chat's room (membership is unchanged). */
  async leave(actor: Actor, chatId: string): Promise<void> {
    await this.delivery.leave(actor.socketId, Rooms.chat(chatId));
  }

  chatsOf(userId: string): Promise<string[]> {
    return this.store.chatsOf(userId);
  }

  members(chatId: string): Promise<string[]> {
    return this.store.members(chatId);
  }


  /** Join first, then announce, so the new member's sockets get the announcement too. */
  private joined(chatId: string, userId: string): void {
    this.delivery.joinAll(Rooms.user(userId), Rooms.chat(chatId));
    this.delivery.toRooms([Rooms.chat(chatId), Rooms.user(userId)], [], 'chat:member-joined', { chatId, userId });
  }

  /** One broadcast to the chat and the leaving user (each socket once), then leave. */
  private left(chatId: string, userId: string): void {
    this.delivery.toRooms([Rooms.chat(chatId), Rooms.user(userId)], [], 'chat:member-left', { chatId, userId });
    this.delivery.leaveAll(Rooms.user(userId), Rooms.chat(chatId));
  }
}
