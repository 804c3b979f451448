import { Injectable } from '@nestjs/common';
import { MembershipStore } from '../engine/membership.store.js';

/**
 * Who may see whose presence (docs/protocol.md §4.2): friends, and members of a chat both belong to.
 * Friend lists are symmetric by contract (the backend sends both sides).
 */
@Injectable()
export class PresenceVisibility {
  constructor(private readonly membership: MembershipStore) {}

  friendsOf(userId: string): Promise<string[]> {
    return this.membership.friendsOf(userId);
  }

  /** Everyone who sees `userId`. */
  async watchersOf(userId: string): Promise<Set<string>> {
    return this.circle(userId);
  }

  /** Those of `targets` that `viewerId` may see (always themselves). */
  async visibleTo(viewerId: string, targets: string[]): Promise<Set<string>> {
    const circle = await this.circle(viewerId);
    return new Set(targets.filter((t) => t === viewerId || circle.has(t)));
  }

  /**
   * The same answer as visibleTo, pair by pair: the viewer's friends and chats, then the chats of
   * each remaining target. Cheaper for a few targets (a DM, a call) than loading every member
   * of every chat the viewer is in.
   */
  async visibleAmong(viewerId: string, targets: string[]): Promise<Set<string>> {
    const unique = [...new Set(targets)];
    const [friends, chats] = await Promise.all([this.membership.friendsOf(viewerId), this.membership.chatsOf(viewerId)]);
    const friendSet = new Set(friends);
    const visible = new Set(unique.filter((t) => t === viewerId || friendSet.has(t)));
    if (chats.length === 0) return visible;
    const chatSet = new Set(chats);
    const rest = unique.filter((t) => !visible.has(t));
    const theirs = await Promise.all(rest.map((t) => this.membership.chatsOf(t)));
    rest.forEach((t, i) => theirs[i].some((c) => chatSet.has(c)) && visible.add(t));
    return visible;
  }

  private async circle(userId: string): Promise<Set<string>> {
    const [friends, chats] = await Promise.all([this.membership.friendsOf(userId), this.membership.chatsOf(userId)]);
    const memberLists = await Promise.all(chats.map((c) => this.membership.members(c)));
    const circle = new Set<string>([...friends, ...memberLists.flat()]);
    circle.delete(userId);
    return circle;
  }
}
