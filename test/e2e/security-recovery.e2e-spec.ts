import request from 'supertest';
import { type TestApp, TEST_INTERNAL_SECRET, startApp, uniquePrefix, userToken, fresh, redisEnv } from '../support/app.js';
import { type ClientSocket, type ConnectErrorLike, closeAllClients, collect, connectUser, createClient, firstOf, nextEvent, roundTrip, type AckBody } from '../support/client.js';
import { eventually } from '../support/eventually.js';

// docs/protocol.md §4.8: connection-state recovery is for the same user and session only, and a recovered
// socket's rooms are recomputed from the current memberships. Attacks of the security probe
// (issue 9, item 1), on the memory engine and on two nodes sharing one Redis.

const bearer = `Bearer ${TEST_INTERNAL_SECRET}`;
/** A recovering handshake takes several store round trips on a busy machine: wait generously. */
const HANDSHAKE_WAIT_MS = 15_000;

interface Tagged {
  tag: string;
}
interface ChatMessage {
  chatId: string;
  content?: string;
}
function http(app: TestApp) {
  return request(app.app.getHttpServer());
}

async function push(app: TestApp, userId: string, tag: string): Promise<void> {
  await http(app).post('/internal/emit').set('Authorization', bearer).send({ userId, event: 'notification:new', payload: { tag } }).expect(200);
}

async function devices(app: TestApp, userId: string): Promise<number> {
  const res = await http(app).get(`/internal/presence?userIds=${userId}`).set('Authorization', bearer).expect(200);
  return (res.body as { data: { users: Array<{ devices: number }> } }).data.users[0].devices;
}

/** Kills the transport without a DISCONNECT packet (a network drop); the server keeps the session for recovery. */
async function dropTransport(app: TestApp, socket: ClientSocket, userId: string): Promise<{ pid: string; offset: string }> {
  const { _pid: pid, _lastOffset: offset } = socket as unknown as { _pid?: string; _lastOffset?: string };
  if (!pid || !offset) throw new Error('the server offered no recovery session (no pid/offset)');
  socket.io.engine.close();
  await eventually('the server to see the drop', () => devices(app, userId), (n) => n === 0);
  return { pid, offset };
}

/**
 * A fresh client presenting a recovery id with `token`, collecting pushes from the first packet;
 * resolves once `connected` arrived.
 */
async function recoverWith(url: string, token: string, recovery: { pid: string; offset: string }): Promise<{ socket: ClientSocket; pushes: Tagged[] }> {
  const socket = createClient(url, { auth: { token, ...recovery } });
  const pushes = collect<Tagged>(socket, 'notification:new');
  const { event, payload } = await firstOf<ConnectErrorLike>(socket, ['connected', 'connect_error'], HANDSHAKE_WAIT_MS);
  if (event === 'connect_error') throw new Error(`connect_error ${payload.message}`);
  return { socket, pushes };
}

/** The same client coming back (Socket.IO sends its own pid and last offset). */
async function comeBack(socket: ClientSocket, url: string): Promise<void> {
  (socket.io as unknown as { uri: string }).uri = url;
  const outcome = firstOf<ConnectErrorLike>(socket, ['connected', 'connect_error'], HANDSHAKE_WAIT_MS);
  socket.connect();
  const { event, payload } = await outcome;
  if (event === 'connect_error') throw new Error(`connect_error ${payload.message}`);
}

async function onlyEmitOnce<T>(socket: ClientSocket, event: string, payload: unknown): Promise<T> {
  return (await socket.timeout(5000).emitWithAck(event, payload)) as T;
}

function suite(label: string, start: () => Promise<[TestApp, TestApp]>): void {
  describe(label, () => {
    let a: TestApp;
    let b: TestApp;

    beforeAll(async () => {
      [a, b] = await start();
    });

    afterEach(() => closeAllClients());

    afterAll(async () => {
      await a?.close();
      if (b !== a) await b?.close();
    });

    it("another user's recovery id gives a fresh connection: no rooms, no missed packets, a new socket id", async () => {
      const [alice, carol] = [fresh('alice'), fresh('carol')];
      const aliceSocket = await connectUser(a.url, userToken(alice));
      const oldId = aliceSocket.id;
      const recovery = await dropTransport(a, aliceSocket, alice);
      await push(a, alice, 'missed-by-alice');

      const { socket: carolSocket, pushes: carolPushes } = await recoverWith(b.url, userToken(carol), recovery);
      await roundTrip(carolSocket);
      expect(carolSocket.id).not.toBe(oldId);
      expect(carolPushes).toEqual([]);

      // Alice's later traffic does not reach carol either; carol's own does.
      await push(b, alice, 'to-alice');
      const toCarol = nextEvent(carolSocket, 'notification:new');
      await push(a, carol, 'to-carol');
      await toCarol;
      await roundTrip(carolSocket);
      expect(carolPushes.map((p) => p.tag)).toEqual(['to-carol']);
      expect(await devices(a, alice)).toBe(0);
    });

    it("a revoked session's recovery id (same user, new session) gets a fresh connection", async () => {
      const bob = fresh('bob');
      const first = await connectUser(a.url, userToken(bob, 's1'));
      const firstId = first.id;
      const recovery = await dropTransport(a, first, bob);
      await push(a, bob, 'missed-by-s1');

      // A new session replaces s1 (single policy) and presents s1's recovery id.
      const { socket: second, pushes } = await recoverWith(b.url, userToken(bob, 's2'), recovery);
      await roundTrip(second);
      expect(second.id).not.toBe(firstId);
      expect(pushes).toEqual([]);
      const toS2 = nextEvent(second, 'notification:new');
      await push(a, bob, 'to-s2');
      await toS2;
      expect(pushes.map((p) => p.tag)).toEqual(['to-s2']);
    });

    it('a member removed while away is not put back in the chat room, and misses none of its packets', async () => {
      const [bob, dave, chatId] = [fresh('bob'), fresh('dave'), fresh('c1')];
      await http(a).put(`/internal/chats/${chatId}/members`).set('Authorization', bearer).send({ userIds: [bob, dave] }).expect(200);
      const bobSocket = createClient(a.url, { auth: { token: userToken(bob) }, reconnection: false });
      await nextEvent(bobSocket, 'connected');
      const daveSocket = await connectUser(b.url, userToken(dave));

      await dropTransport(a, bobSocket, bob);
      await http(b).delete(`/internal/chats/${chatId}/members/${bob}`).set('Authorization', bearer).expect(200);
      const sent = await onlyEmitOnce<AckBody>(daveSocket, 'message:new', { chatId, content: 'after removal', messageType: 'text' });
      expect(sent.ok).toBe(true);
      await push(b, bob, 'missed-by-bob');

      const chatMessages = collect<ChatMessage>(bobSocket, 'message:new');
      const pushes = collect<Tagged>(bobSocket, 'notification:new');
      await comeBack(bobSocket, b.url);
      await roundTrip(bobSocket);
      expect(bobSocket.recovered).toBe(true);
      expect(pushes.map((p) => p.tag)).toEqual(['missed-by-bob']);
      expect(chatMessages).toEqual([]);

      // Neither reading nor posting in the chat works any more.
      const post = await onlyEmitOnce<AckBody>(bobSocket, 'message:new', { chatId, content: 'still here?', messageType: 'text' });
      expect(post).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      await onlyEmitOnce(daveSocket, 'message:new', { chatId, content: 'later', messageType: 'text' });
      await roundTrip(bobSocket);
      expect(chatMessages).toEqual([]);
    });

    it('the same user and session still recovers its missed packets and rooms', async () => {
      const [bob, dave, chatId] = [fresh('bob'), fresh('dave'), fresh('c2')];
      await http(a).put(`/internal/chats/${chatId}/members`).set('Authorization', bearer).send({ userIds: [bob, dave] }).expect(200);
      const bobSocket = createClient(a.url, { auth: { token: userToken(bob) }, reconnection: false });
      await nextEvent(bobSocket, 'connected');
      const daveSocket = await connectUser(b.url, userToken(dave));
      const oldId = bobSocket.id;

      await dropTransport(a, bobSocket, bob);
      await onlyEmitOnce(daveSocket, 'message:new', { chatId, content: 'while away', messageType: 'text' });
      await push(b, bob, 'missed');

      const chatMessages = collect<ChatMessage>(bobSocket, 'message:new');
      const pushes = collect<Tagged>(bobSocket, 'notification:new');
      await comeBack(bobSocket, b.url);
      await roundTrip(bobSocket);
      expect(bobSocket.recovered).toBe(true);
      expect(bobSocket.id).toBe(oldId);
      expect(pushes.map((p) => p.tag)).toEqual(['missed']);
      expect(chatMessages.map((m) => m.content)).toEqual(['while away']);
    });
  });
}

suite('memory engine', async () => {
  const app = await startApp({ RECOVERY_WINDOW_MS: '60000' });
  return [app, app];
});

suite('two nodes on one Redis', async () => {
  const env = { ...redisEnv(uniquePrefix('recovery')), RECOVERY_WINDOW_MS: '60000' };
  return [await startApp(env), await startApp(env)];
});
