import { MemoryMembershipStore } from '../engine/memory/memory-membership.store.js';
import { PresenceVisibility } from './presence-visibility.js';

// docs/protocol.md §4.2/§4.3: a user's presence is seen by their friends and by the members of chats they share.

describe('PresenceVisibility', () => {
  let membership: MemoryMembershipStore;
  let sut: PresenceVisibility;

  beforeEach(async () => {
    membership = new MemoryMembershipStore();
    sut = new PresenceVisibility(membership);
    // alice ↔ bob are friends (both sides, as the backend sends them); alice and carol share a chat;
    // dave and erin share another chat; mallory knows nobody.
    await membership.setFriends('alice', ['bob']);
    await membership.setFriends('bob', ['alice']);
    await membership.setMembers('chat-1', ['alice', 'carol']);
    await membership.setMembers('chat-2', ['dave', 'erin']);
  });

  describe('watchersOf', () => {
    it('is the friends plus the co-members of every chat, without the user', async () => {
      expect([...(await sut.watchersOf('alice'))].sort()).toEqual(['bob', 'carol']);
      expect([...(await sut.watchersOf('bob'))]).toEqual(['alice']);
      expect([...(await sut.watchersOf('carol'))]).toEqual(['alice']);
      expect([...(await sut.watchersOf('dave'))]).toEqual(['erin']);
    });

    it('excludes the user even when they list themselves as a friend or are a chat member', async () => {
      await membership.setFriends('alice', ['alice', 'bob']);
      const watchers = await sut.watchersOf('alice');
      expect(watchers.has('alice')).toBe(false);
      expect([...watchers].sort()).toEqual(['bob', 'carol']);
    });

    it('is empty for a stranger with no friends and no chats', async () => {
      expect([...(await sut.watchersOf('mallory'))]).toEqual([]);
    });

    it('follows membership changes: leaving the shared chat ends co-member visibility', async () => {
      await membership.removeMember('chat-1', 'carol');
      expect([...(await sut.watchersOf('alice'))]).toEqual(['bob']);
      expect([...(await sut.watchersOf('carol'))]).toEqual([]);
    });

    it('counts members of every chat the user belongs to', async () => {
      await membership.addMembers('chat-3', ['alice', 'frank', 'grace']);
      expect([...(await sut.watchersOf('alice'))].sort()).toEqual(['bob', 'carol', 'frank', 'grace']);
    });
  });

  describe('visibleTo', () => {
    it('lets friends see each other', async () => {
      expect([...(await sut.visibleTo('alice', ['bob']))]).toEqual(['bob']);
      expect([...(await sut.visibleTo('bob', ['alice']))]).toEqual(['alice']);
    });

    it('lets co-members of a chat see each other', async () => {
      expect([...(await sut.visibleTo('alice', ['carol']))]).toEqual(['carol']);
      expect([...(await sut.visibleTo('carol', ['alice']))]).toEqual(['alice']);
      expect([...(await sut.visibleTo('erin', ['dave']))]).toEqual(['dave']);
    });

    it('hides strangers in both directions', async () => {
      expect([...(await sut.visibleTo('mallory', ['alice', 'bob', 'carol', 'dave']))]).toEqual([]);
      expect([...(await sut.visibleTo('alice', ['mallory', 'dave', 'erin']))]).toEqual([]);
    });

    it('does not make a friend of a friend visible', async () => {
      // bob is alice's friend, carol alice's co-member: bob and carol have nothing in common.
      expect([...(await sut.visibleTo('bob', ['carol']))]).toEqual([]);
      expect([...(await sut.visibleTo('carol', ['bob']))]).toEqual([]);
    });

    it('always lets a user see themselves, even a stranger', async () => {
      expect([...(await sut.visibleTo('mallory', ['mallory']))]).toEqual(['mallory']);
      expect([...(await sut.visibleTo('alice', ['alice', 'mallory', 'bob']))].sort()).toEqual(['alice', 'bob']);
    });

    it('keeps only the visible targets of a mixed list', async () => {
      const visible = await sut.visibleTo('alice', ['bob', 'carol', 'dave', 'erin', 'mallory', 'nobody']);
      expect([...visible].sort()).toEqual(['bob', 'carol']);
    });
  });

  describe('visibleAmong', () => {
    it('answers like visibleTo: friends, chat co-members and the viewer; strangers and duplicates dropped', async () => {
      const targets = ['bob', 'carol', 'dave', 'mallory', 'alice', 'bob'];
      const pairwise = await sut.visibleAmong('alice', targets);
      expect([...pairwise].sort()).toEqual(['alice', 'bob', 'carol']);
      expect([...pairwise].sort()).toEqual([...(await sut.visibleTo('alice', targets))].sort());
      expect([...(await sut.visibleAmong('mallory', ['alice', 'mallory']))]).toEqual(['mallory']);
      expect([...(await sut.visibleAmong('erin', ['dave', 'alice']))]).toEqual(['dave']);
    });
  });
});
