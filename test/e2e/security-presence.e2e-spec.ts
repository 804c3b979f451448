import request from 'supertest';
import { type TestApp, TEST_INTERNAL_SECRET, redisEnv, uniquePrefix, userToken, fresh, useApps } from '../support/app.js';
import { type ClientSocket, collect, connectUser, nextEvent, roundTrip, ack } from '../support/client.js';
import type { PresenceUpdate } from '../../src/socket/events.js';

// Strangers learn nothing (issue 9, items 2 and 7): presence subscriptions end with visibility
// (docs/protocol.md §4.2), send_message lists unseen recipients as `accepted` (§4.1), and only users who
// may see each other can call (§4.5). Two nodes on one Redis.

const bearer = `Bearer ${TEST_INTERNAL_SECRET}`;

describe('two nodes on one Redis', () => {
  const [a, b] = useApps(2, () => redisEnv(uniquePrefix('sec-presence')), { closeClients: 'each' });
  const http = (app: TestApp) => request(app.app.getHttpServer());
  const friends = (app: TestApp, userId: string, friendIds: string[]) =>
    http(app).put(`/internal/users/${userId}/friends`).set('Authorization', bearer).send({ friendIds }).expect(200);

  /** A push from `node` to the user arrives after everything that node broadcast before it. */
  async function barrierFrom(node: TestApp, userId: string, socket: ClientSocket): Promise<void> {
    const marker = Math.random().toString(36);
    const arrived = nextEvent(socket, 'notification:new');
    await http(node).post('/internal/emit').set('Authorization', bearer).send({ userId, event: 'notification:new', payload: { marker } }).expect(200);
    expect(await arrived).toEqual({ marker });
    await roundTrip(socket);
  }


  it('a presence subscription ends when the friendship and the last shared chat end, on any node', async () => {
    const [alice, bob, chatId] = [fresh('alice'), fresh('bob'), fresh('chat')];
    await friends(a, alice, [bob]);
    await friends(a, bob, [alice]);
    await http(a).put(`/internal/chats/${chatId}/members`).set('Authorization', bearer).send({ userIds: [alice, bob] }).expect(200);
    const bobSocket = await connectUser(a.url, userToken(bob));
    const aliceSocket = await connectUser(b.url, userToken(alice));
    const sub = (await ack(bobSocket, 'presence:subscribe', { userIds: [alice] })) as { ok: true; data: { users: PresenceUpdate[] } };
    expect(sub.data.users.map((u) => u.userId)).toEqual([alice]);
    const away = nextEvent<PresenceUpdate>(bobSocket, 'presence:update');
    await ack(aliceSocket, 'presence:update', { status: 'away' });
    expect(await away).toMatchObject({ userId: alice, status: 'away' });

    await friends(b, alice, []);
    await friends(b, bob, []);
    await http(b).delete(`/internal/chats/${chatId}/members/${bob}`).set('Authorization', bearer).expect(200);
    const seen = collect<PresenceUpdate>(bobSocket, 'presence:update');
    await ack(aliceSocket, 'presence:update', { status: 'busy' });
    await barrierFrom(b, bob, bobSocket);
    expect(seen.filter((u) => u.userId === alice)).toEqual([]);
  });

  it('send_message lists recipients the sender may not see as accepted, whatever their state', async () => {
    const [sender, friend, friendAway, stranger, ghost] = [fresh('sender'), fresh('friend'), fresh('away'), fresh('stranger'), fresh('ghost')];
    await friends(a, sender, [friend, friendAway]);
    await friends(a, friend, [sender]);
    await friends(a, friendAway, [sender]);
    const senderSocket = await connectUser(a.url, userToken(sender));
    const friendSocket = await connectUser(b.url, userToken(friend));
    const strangerSocket = await connectUser(b.url, userToken(stranger));
    const toStranger = nextEvent<{ from: string; message: string }>(strangerSocket, 'message');
    const toFriend = nextEvent(friendSocket, 'message');
    const res = await ack(senderSocket, 'send_message', { recipientIds: [friend, friendAway, stranger, ghost], message: 'hi' });
    expect(res).toEqual({
      ok: true,
      data: { recipients: { total: 4, sent: [friend], failed: [friendAway], accepted: [stranger, ghost] }, timestamp: expect.any(String) },
    });
    // Strangers still receive it when online.
    expect(await toStranger).toMatchObject({ from: sender, message: 'hi' });
    await toFriend;
  });

  it('call:initiate to a user who may not see the caller is FORBIDDEN, online or offline, and stores or rings nothing', async () => {
    const [caller, online, offline] = [fresh('caller'), fresh('online'), fresh('offline')];
    const callerSocket = await connectUser(a.url, userToken(caller));
    const onlineSocket = await connectUser(b.url, userToken(online));
    const rings = collect(onlineSocket, 'call:incoming');
    const first = await ack(callerSocket, 'call:initiate', { calleeId: online, callType: 'audio' });
    const second = await ack(callerSocket, 'call:initiate', { calleeId: offline, callType: 'video' });
    expect([first, second]).toEqual([
      { ok: false, error: { code: 'FORBIDDEN', message: expect.any(String) } },
      { ok: false, error: { code: 'FORBIDDEN', message: expect.any(String) } },
    ]);
    await barrierFrom(a, online, onlineSocket);
    expect(rings).toEqual([]);
    const later = await connectUser(b.url, userToken(offline));
    expect(await ack(later, 'notification:get-pending', {})).toEqual({ ok: true, data: { notifications: [] } });
  });
});
