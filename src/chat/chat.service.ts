import { Injectable } from '@nestjs/common';
import { MembershipStore } from '../engine/membership.store.js';
import { Rooms } from '../socket/rooms.js';
import { SocketServerRef } from '../socket/socket-server.ref.js';
import type { UserSocket } from '../socket/events.js';

/**
 * Chat membership and friends (SPEC §4.3). The backend owns the data; the gateway stores it,
 * and moves connected members' sockets in and out of `chat:{id}` on every node at once.
 */
@Injectable()
export class ChatService {
  constructor(
    private readonly store: MembershipStore,
    private readonly sockets: SocketServerRef,
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
  async canAccess(socket: UserSocket, chatId: string): Promise<boolean> {
    return socket.data.chats.includes(chatId) || (await this.store.isMember(chatId, socket.data.userId));
  }

  /** Authorised and in the room: joins it when a member who is not in it yet. */
  async ensureJoined(socket: UserSocket, chatId: string): Promise<boolean> {
    if (socket.rooms.has(Rooms.chat(chatId))) return true;
    if (!(await this.canAccess(socket, chatId))) return false;
    await socket.join(Rooms.chat(chatId));
    return true;
  }

  chatsOf(userId: string): Promise<string[]> {
    return this.store.chatsOf(userId);
  }

  members(chatId: string): Promise<string[]> {
    return this.store.members(chatId);
  }

  friendsOf(userId: string): Promise<string[]> {
    return this.store.friendsOf(userId);
  }

  /** Join first, then announce, so the new member's sockets get the announcement too. */
  private joined(chatId: string, userId: string): void {
    const io = this.sockets.io;
    io.in(Rooms.user(userId)).socketsJoin(Rooms.chat(chatId));
    io.to([Rooms.chat(chatId), Rooms.user(userId)]).emit('chat:member-joined', { chatId, userId });
  }

  /** One broadcast to the chat and the leaving user (each socket once), then leave. */
  private left(chatId: string, userId: string): void {
    const io = this.sockets.io;
    io.to([Rooms.chat(chatId), Rooms.user(userId)]).emit('chat:member-left', { chatId, userId });
    io.in(Rooms.user(userId)).socketsLeave(Rooms.chat(chatId));
  }
}
