import type { UserSocket, UserSocketData } from '../socket/events.js';
import { actorOf, cacheActor } from './actor.js';

/** Only the fields actorOf reads: an id and the data the handshake set. */
const socketWith = (data: Partial<UserSocketData>) => ({ id: 'sock-1', data: { userId: 'alice', sessionId: 's1', roles: [], chats: ['c1'], ...data } }) as unknown as UserSocket;

describe('actorOf', () => {
  it('returns the Actor cached at handshake, the same object for every event', () => {
    const socket = socketWith({});
    const cached = cacheActor(socket);
    expect(cached).toEqual({ userId: 'alice', sessionId: 's1', socketId: 'sock-1', chats: ['c1'] });
    expect(actorOf(socket)).toBe(cached);
    expect(actorOf(socket)).toBe(actorOf(socket));
  });

  it('builds and caches it on first use when the handshake did not', () => {
    const socket = socketWith({ userId: 'bob' });
    const first = actorOf(socket);
    expect(first).toMatchObject({ userId: 'bob', socketId: 'sock-1' });
    expect(actorOf(socket)).toBe(first);
  });

  it('follows a refresh, and a new socket.data (a new handshake) starts a new cache', () => {
    const socket = socketWith({});
    const before = cacheActor(socket);
    socket.data.chats = ['c1', 'c2'];
    expect(cacheActor(socket).chats).toEqual(['c1', 'c2']);
    socket.data = { userId: 'carol', sessionId: 's2', roles: [], chats: [] };
    expect(actorOf(socket)).not.toBe(before);
    expect(actorOf(socket)).toMatchObject({ userId: 'carol', sessionId: 's2', chats: [] });
  });

  it('keeps the cache out of what is serialised (recovery sessions)', () => {
    const socket = socketWith({});
    cacheActor(socket);
    expect(Object.keys(socket.data)).toEqual(['userId', 'sessionId', 'roles', 'chats']);
    expect(JSON.parse(JSON.stringify(socket.data))).toEqual({ userId: 'alice', sessionId: 's1', roles: [], chats: ['c1'] });
  });
});
