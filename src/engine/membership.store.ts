/**
 * Chat membership and friend lists, owned by the backend and pushed through the internal API.
 * Each change to one chat's member set is atomic; the per-user index of chats follows it.
 */
export abstract class MembershipStore {
  /** Replaces the members; returns who was added and who removed. */
  abstract setMembers(chatId: string, userIds: string[]): Promise<{ added: string[]; removed: string[] }>;
  /** Returns the users that were not members before. */
  abstract addMembers(chatId: string, userIds: string[]): Promise<string[]>;
  abstract removeMember(chatId: string, userId: string): Promise<boolean>;
  abstract isMember(chatId: string, userId: string): Promise<boolean>;
  abstract members(chatId: string): Promise<string[]>;
  abstract chatsOf(userId: string): Promise<string[]>;
  abstract setFriends(userId: string, friendIds: string[]): Promise<void>;
  abstract friendsOf(userId: string): Promise<string[]>;
}
