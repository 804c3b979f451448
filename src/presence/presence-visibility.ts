import { Injectable } from '@nestjs/common';
import { MembershipStore } from '../engine/membership.store.js';

/**
 * Who may see whose presence (SPEC §4.2): friends, and members of a chat both belong to.
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

  private async circle(userId: string): Promise<Set<string>> {
    const [friends, chats] = await Promise.all([this.membership.friendsOf(userId), this.membership.chatsOf(userId)]);
    const memberLists = await Promise.all(chats.map((c) => this.membership.members(c)));
    const circle = new Set<string>([...friends, ...memberLists.flat()]);
    circle.delete(userId);
    return circle;
  }
}
