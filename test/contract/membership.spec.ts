import { MemoryMembershipStore } from '../../src/engine/memory/memory-membership.store.js';
import type { MembershipStore } from '../../src/engine/membership.store.js';
import { RedisMembershipStore } from '../../src/engine/redis/redis-membership.store.js';
import { fresh, storeContract } from './store-contract.js';

storeContract<MembershipStore>(
  'MembershipStore',
  { memory: () => new MemoryMembershipStore(), redis: (c) => new RedisMembershipStore(c) },
  (ctx) => {
    describe('setMembers', () => {
      it('setMembers reports who was added and removed, whatever characters the ids hold', async () => {
        const chat = `chat-${fresh()}`;
        expect(await ctx.store.setMembers(chat, ['a'])).toEqual({ added: ['a'], removed: [] });
        // A member id that looks like a separator must not swap or split the lists.
        const change = await ctx.store.setMembers(chat, ['|']);
        expect(change).toEqual({ added: ['|'], removed: ['a'] });
        expect(await ctx.store.members(chat)).toEqual(['|']);
        expect(await ctx.store.chatsOf('|')).toContain(chat);
        expect(await ctx.store.chatsOf('a')).not.toContain(chat);
        const both = await ctx.store.setMembers(chat, ['x|y', '']);
        expect({ added: [...both.added].sort(), removed: both.removed }).toEqual({ added: ['', 'x|y'], removed: ['|'] });
      });
    });

    describe('sets and indexes', () => {
      it('addMembers returns only the new members and keeps the per-user index in step', async () => {
        const [chat, a, b, c] = [`chat-${fresh()}`, fresh(), fresh(), fresh()];
        expect((await ctx.store.addMembers(chat, [a, b, a])).sort()).toEqual([a, b].sort());
        expect(await ctx.store.addMembers(chat, [b, c])).toEqual([c]);
        expect((await ctx.store.members(chat)).sort()).toEqual([a, b, c].sort());
        expect(await ctx.store.chatsOf(c)).toEqual([chat]);
        expect(await ctx.store.isMember(chat, a)).toBe(true);
        expect(await ctx.store.isMember(chat, 'nobody')).toBe(false);
        expect(await ctx.store.isMember(`chat-${fresh()}`, a)).toBe(false);
      });

      it('removeMember is true once, and drops the chat from the user index', async () => {
        const [chat, other, u] = [`chat-${fresh()}`, `chat-${fresh()}`, fresh()];
        await ctx.store.setMembers(chat, [u]);
        await ctx.store.addMembers(other, [u]);
        expect((await ctx.store.chatsOf(u)).sort()).toEqual([chat, other].sort());
        expect(await ctx.store.removeMember(chat, u)).toBe(true);
        expect(await ctx.store.removeMember(chat, u)).toBe(false);
        expect(await ctx.store.isMember(chat, u)).toBe(false);
        expect(await ctx.store.members(chat)).toEqual([]);
        expect(await ctx.store.chatsOf(u)).toEqual([other]);
      });

      it('setMembers with no one empties the chat; unknown chats and users are empty', async () => {
        const [chat, u] = [`chat-${fresh()}`, fresh()];
        await ctx.store.setMembers(chat, [u, u]);
        expect(await ctx.store.members(chat)).toEqual([u]);
        expect(await ctx.store.setMembers(chat, [])).toEqual({ added: [], removed: [u] });
        expect(await ctx.store.members(chat)).toEqual([]);
        expect(await ctx.store.chatsOf(u)).toEqual([]);
        expect(await ctx.store.members(`chat-${fresh()}`)).toEqual([]);
      });

      it('setFriends replaces the list (duplicates once, empty clears it)', async () => {
        const [u, f1, f2, f3] = [fresh(), fresh(), fresh(), fresh()];
        expect(await ctx.store.friendsOf(u)).toEqual([]);
        await ctx.store.setFriends(u, [f1, f2, f1]);
        expect((await ctx.store.friendsOf(u)).sort()).toEqual([f1, f2].sort());
        await ctx.store.setFriends(u, [f3]);
        expect(await ctx.store.friendsOf(u)).toEqual([f3]);
        await ctx.store.setFriends(u, []);
        expect(await ctx.store.friendsOf(u)).toEqual([]);
        // Friendship is per user as given, not made mutual by the store.
        expect(await ctx.store.friendsOf(f3)).toEqual([]);
      });
    });
  },
);
