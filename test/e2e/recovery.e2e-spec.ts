import { Broker } from '../../src/engine/broker.js';
import { type TestApp, startApp, uniquePrefix, userToken, fresh, redisEnv } from '../support/app.js';
import { type AckBody, type ClientSocket, type ConnectErrorLike, closeAllClients, collect, connectUser, createClient, firstOf, nextEvent, roundTrip } from '../support/client.js';
import { eventually } from '../support/eventually.js';
import { befriend, internal, presenceOf, push, setMembers } from '../support/backend.js';

// docs/protocol.md §4.8, connection-state recovery, the same cases on the memory engine (one
// app) and on two apps sharing one Redis (the client comes back to the other one): missed
// publications once each and in order; the same user and session only; rooms recomputed from
// the current memberships; a recovery id restores at most one socket, and a refused handshake
// changes nothing of another connection's recovery.

/** A recovering handshake takes several store round trips on a busy machine: wait generously. */
const HANDSHAKE_WAIT_MS = 15_000;

interface Tagged {
  tag: string;
}
interface ChatMessage {
  chatId: string;
  content?: string;
}
interface Recovery {
  pid: string;
  offset: string;
}

/** A tagged notification:new pushed to `userId`. */
async function pushTag(app: TestApp, userId: string, tag: string): Promise<void> {
  await push(app, { userId, event: 'notification:new', payload: { tag } });
}

async function devices(app: TestApp, userId: string): Promise<number> {
  return (await presenceOf(app, [userId]))[0].devices;
}

/** What socket.io-client offers when it reconnects: its recovery id (pid) and last offset. */
function recoveryOf(socket: ClientSocket): Recovery {
  const { _pid: pid, _lastOffset: offset } = socket as unknown as { _pid?: string; _lastOffset?: string };
  if (!pid || !offset) throw new Error('the server offered no recovery session (no pid/offset)');
  return { pid, offset };
}

/** Kills the transport without a DISCONNECT packet (a network drop) and waits until the server saw it. */
async function dropTransport(app: TestApp, socket: ClientSocket, userId: string, remaining = 0): Promise<Recovery> {
  const recovery = recoveryOf(socket);
  socket.io.engine.close();
  await eventually('the server to see the drop', () => devices(app, userId), (n) => n === remaining);
  return recovery;
}

/** A client of `userId` that got `connected`, collects its pushes, and then lost its transport. */
async function connectedThenDropped(app: TestApp, userId: string): Promise<{ socket: ClientSocket; id: string | undefined; pushes: Tagged[]; recovery: Recovery }> {
  const socket = createClient(app.url, { auth: { token: userToken(userId) }, reconnection: false });
  await nextEvent(socket, 'connected');
  const id = socket.id;
  const pushes = collect<Tagged>(socket, 'notification:new');
  const recovery = await dropTransport(app, socket, userId);
  return { socket, id, pushes, recovery };
}

/** A new client presenting `recovery` with `token`; resolves once `connected` (or its refusal) arrived. */
async function handshakeWith(url: string, token: string | undefined, recovery: Recovery): Promise<{ socket: ClientSocket; pushes: Tagged[]; refused?: ConnectErrorLike }> {
  const socket = createClient(url, { auth: { ...(token === undefined ? {} : { token }), ...recovery }, reconnection: false });
  const pushes = collect<Tagged>(socket, 'notification:new');
  const { event, payload } = await firstOf<ConnectErrorLike>(socket, ['connected', 'connect_error'], HANDSHAKE_WAIT_MS);
  return event === 'connect_error' ? { socket, pushes, refused: payload } : { socket, pushes };
}

/** The same client coming back (Socket.IO sends its own pid and last offset), to `url`. */
async function comeBack(socket: ClientSocket, url: string): Promise<void> {
  (socket.io as unknown as { uri: string }).uri = url;
  const outcome = firstOf<ConnectErrorLike>(socket, ['connected', 'connect_error'], HANDSHAKE_WAIT_MS);
  socket.connect();
  const { event, payload } = await outcome;
  if (event === 'connect_error') throw new Error(`connect_error ${payload.message}`);
}

async function emitOnce<T>(socket: ClientSocket, event: string, payload: unknown): Promise<T> {
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

    it('delivers what was missed during a blip, once each and in order, then live traffic', async () => {
      const u = fresh('blip');
      const { socket, id: idBefore, pushes } = await connectedThenDropped(a, u);
      for (const tag of ['missed#1', 'missed#2', 'missed#3']) await pushTag(a, u, tag);

      await comeBack(socket, b.url);
      expect(socket.recovered).toBe(true);
      expect(socket.id).toBe(idBefore);
      expect(pushes.map((p) => p.tag)).toEqual(['missed#1', 'missed#2', 'missed#3']);
      const live = nextEvent<Tagged>(socket, 'notification:new');
      await pushTag(a, u, 'live');
      await live;
      await roundTrip(socket);
      expect(pushes.map((p) => p.tag)).toEqual(['missed#1', 'missed#2', 'missed#3', 'live']);
      expect(await devices(b, u)).toBe(1);
    });

    it('a replay whose history read fails closes the transport: the client comes back and recovers it all, once', async () => {
      const u = fresh('failed-read');
      const { socket, pushes } = await connectedThenDropped(a, u);
      for (const tag of ['missed#1', 'missed#2']) await pushTag(a, u, tag);

      // The second history read of the next restore on b (the replay's; the first decides) fails,
      // as a read does when Redis answers too late.
      const broker = b.app.get(Broker);
      const history = broker.history.bind(broker);
      let reads = 0;
      broker.history = ((...args: Parameters<Broker['history']>) =>
        ++reads === 2 ? Promise.reject(new Error('injected: history read timed out')) : history(...args)) as Broker['history'];
      try {
        // It is told nothing (`connected` would follow the replay): its transport just closes.
        const closed = nextEvent<string>(socket, 'disconnect', HANDSHAKE_WAIT_MS);
        (socket.io as unknown as { uri: string }).uri = b.url;
        socket.connect();
        expect(await closed).toBe('transport close');
        expect(reads).toBe(2);
      } finally {
        broker.history = history;
      }
      // Not left deaf: the next attempt recovers what was missed, once, and live traffic flows.
      await comeBack(socket, b.url);
      expect(socket.recovered).toBe(true);
      const live = nextEvent<Tagged>(socket, 'notification:new');
      await pushTag(a, u, 'live');
      await live;
      await roundTrip(socket);
      expect(pushes.map((p) => p.tag)).toEqual(['missed#1', 'missed#2', 'live']);
    });

    it("does not deliver publications of rooms the socket was not in (another user's)", async () => {
      const [u, other] = [fresh('mine'), fresh('other')];
      const { socket, pushes } = await connectedThenDropped(a, u);
      await pushTag(a, other, 'not-mine');
      await pushTag(a, u, 'mine');
      await comeBack(socket, b.url);
      expect(socket.recovered).toBe(true);
      await roundTrip(socket);
      expect(pushes.map((p) => p.tag)).toEqual(['mine']);
    });

    it("another user's recovery id gives a fresh connection: no rooms, no missed packets, a new socket id", async () => {
      const [alice, carol] = [fresh('alice'), fresh('carol')];
      const aliceSocket = await connectUser(a.url, userToken(alice));
      const oldId = aliceSocket.id;
      const recovery = await dropTransport(a, aliceSocket, alice);
      await pushTag(a, alice, 'missed-by-alice');

      const { socket: carolSocket, pushes: carolPushes } = await handshakeWith(b.url, userToken(carol), recovery);
      await roundTrip(carolSocket);
      expect(carolSocket.recovered).toBe(false);
      expect(carolSocket.id).not.toBe(oldId);
      expect(carolPushes).toEqual([]);

      // Alice's later traffic does not reach carol either; carol's own does.
      await pushTag(b, alice, 'to-alice');
      const toCarol = nextEvent(carolSocket, 'notification:new');
      await pushTag(a, carol, 'to-carol');
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
      await pushTag(a, bob, 'missed-by-s1');

      // A new session replaces s1 (single policy) and presents s1's recovery id.
      const { socket: second, pushes } = await handshakeWith(b.url, userToken(bob, 's2'), recovery);
      await roundTrip(second);
      expect(second.recovered).toBe(false);
      expect(second.id).not.toBe(firstId);
      expect(pushes).toEqual([]);
      const toS2 = nextEvent(second, 'notification:new');
      await pushTag(a, bob, 'to-s2');
      await toS2;
      expect(pushes.map((p) => p.tag)).toEqual(['to-s2']);
    });

    it('a refused attempt with the recovery id leaves it to its owner, who still recovers everything', async () => {
      const [victim, attacker] = [fresh('victim'), fresh('attacker')];
      const { socket, pushes, recovery } = await connectedThenDropped(a, victim);
      await pushTag(a, victim, 'before-attempts');

      // Another user, and no token at all: both refused (or made fresh), the record untouched.
      const stranger = await handshakeWith(b.url, userToken(attacker), recovery);
      expect(stranger.socket.recovered).toBe(false);
      expect((await handshakeWith(b.url, undefined, recovery)).refused?.message).toBe('AUTH_REQUIRED');
      await pushTag(b, victim, 'after-attempts');

      await comeBack(socket, b.url);
      expect(socket.recovered).toBe(true);
      await roundTrip(socket);
      expect(pushes.map((p) => p.tag)).toEqual(['before-attempts', 'after-attempts']);
      expect(stranger.pushes).toEqual([]);
    });

    it("a handshake presenting a connected socket's recovery id restores nothing and leaves that socket whole (kick still reaches it)", async () => {
      const bob = fresh('shield');
      const socket = createClient(a.url, { auth: { token: userToken(bob) }, reconnection: false });
      await nextEvent(socket, 'connected');
      await dropTransport(a, socket, bob);
      await comeBack(socket, a.url);
      expect(socket.recovered).toBe(true);
      const recovery = recoveryOf(socket);
      const pushes = collect<Tagged>(socket, 'notification:new');

      // Without a token (refused), then with the owner's own token (a fresh connection).
      expect((await handshakeWith(a.url, undefined, recovery)).refused?.message).toBe('AUTH_REQUIRED');
      const twin = await handshakeWith(a.url, userToken(bob), recovery);
      expect(twin.refused).toBeUndefined();
      expect(twin.socket.recovered).toBe(false);
      expect(twin.socket.id).not.toBe(socket.id);

      // The live socket still gets its traffic and is still reached by a kick.
      const live = nextEvent<Tagged>(socket, 'notification:new');
      await pushTag(b, bob, 'still-reached');
      expect(await live).toEqual({ tag: 'still-reached' });
      const logout = nextEvent<{ reason: string }>(socket, 'auth:logout');
      const gone = new Promise<string>((resolve) => socket.once('disconnect', resolve));
      await internal(b, 'post', '/kick', { userId: bob, reason: 'kicked', invalidateSession: true }).expect(200);
      expect(await logout).toEqual({ reason: 'kicked' });
      expect(await gone).toBe('io server disconnect');
      expect(pushes.map((p) => p.tag)).toEqual(['still-reached']);
      await eventually('no socket of the kicked user left', () => devices(a, bob), (n) => n === 0);
    });

    it('a member removed while away is not put back in the chat room, and misses none of its other packets', async () => {
      const [bob, dave, chatId] = [fresh('bob'), fresh('dave'), fresh('c1')];
      await setMembers(a, chatId, [bob, dave]);
      const bobSocket = createClient(a.url, { auth: { token: userToken(bob) }, reconnection: false });
      await nextEvent(bobSocket, 'connected');
      const daveSocket = await connectUser(b.url, userToken(dave));

      await dropTransport(a, bobSocket, bob);
      await internal(b, 'delete', `/chats/${chatId}/members/${bob}`).expect(200);
      const sent = await emitOnce<AckBody>(daveSocket, 'message:new', { chatId, content: 'after removal', messageType: 'text' });
      expect(sent.ok).toBe(true);
      await pushTag(b, bob, 'missed-by-bob');

      const chatMessages = collect<ChatMessage>(bobSocket, 'message:new');
      const pushes = collect<Tagged>(bobSocket, 'notification:new');
      await comeBack(bobSocket, b.url);
      await roundTrip(bobSocket);
      expect(bobSocket.recovered).toBe(true);
      expect(pushes.map((p) => p.tag)).toEqual(['missed-by-bob']);
      expect(chatMessages).toEqual([]);

      // Neither reading nor posting in the chat works any more.
      const post = await emitOnce<AckBody>(bobSocket, 'message:new', { chatId, content: 'still here?', messageType: 'text' });
      expect(post).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      await emitOnce(daveSocket, 'message:new', { chatId, content: 'later', messageType: 'text' });
      await roundTrip(bobSocket);
      expect(chatMessages).toEqual([]);
    });

    it('the same user and session recovers its missed packets and rooms, chat included', async () => {
      const [bob, dave, chatId] = [fresh('bob'), fresh('dave'), fresh('c2')];
      await setMembers(a, chatId, [bob, dave]);
      const bobSocket = createClient(a.url, { auth: { token: userToken(bob) }, reconnection: false });
      await nextEvent(bobSocket, 'connected');
      const daveSocket = await connectUser(b.url, userToken(dave));
      const oldId = bobSocket.id;

      await dropTransport(a, bobSocket, bob);
      await emitOnce(daveSocket, 'message:new', { chatId, content: 'while away', messageType: 'text' });
      await pushTag(b, bob, 'missed');

      const chatMessages = collect<ChatMessage>(bobSocket, 'message:new');
      const pushes = collect<Tagged>(bobSocket, 'notification:new');
      await comeBack(bobSocket, b.url);
      await roundTrip(bobSocket);
      expect(bobSocket.recovered).toBe(true);
      expect(bobSocket.id).toBe(oldId);
      expect(pushes.map((p) => p.tag)).toEqual(['missed']);
      expect(chatMessages.map((m) => m.content)).toEqual(['while away']);
    });

    it('presence and status-page subscriptions come back with the socket', async () => {
      const [watcher, friend] = [fresh('watcher'), fresh('friend')];
      await befriend(a, watcher, friend);
      const socket = createClient(a.url, { auth: { token: userToken(watcher) }, reconnection: false });
      await nextEvent(socket, 'connected');
      expect((await emitOnce<AckBody>(socket, 'presence:subscribe', { userIds: [friend] })).ok).toBe(true);
      await emitOnce(socket, 'subscribe:status', {});
      await dropTransport(a, socket, watcher);

      await comeBack(socket, b.url);
      expect(socket.recovered).toBe(true);
      const status = nextEvent<{ service: string }>(socket, 'service:status');
      await internal(b, 'post', '/status', { service: `svc-${watcher}`, status: 'down' }).expect(200);
      expect(await status).toEqual(expect.objectContaining({ service: `svc-${watcher}` }));
      const online = nextEvent<{ userId: string; status: string }>(socket, 'presence:update');
      await connectUser(a.url, userToken(friend));
      expect(await online).toEqual(expect.objectContaining({ userId: friend, status: 'online' }));
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

describe('memory engine, RECOVERY_BUFFER_BYTES=4096', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startApp({ RECOVERY_WINDOW_MS: '60000', RECOVERY_BUFFER_BYTES: '4096' });
  });

  afterAll(async () => {
    closeAllClients();
    await app?.close();
  });

  it('keeps at most that many bytes: past it the oldest go and the socket reconnects unrecovered, its user room rebuilt', async () => {
    const u = fresh('bound');
    const { socket, pushes } = await connectedThenDropped(app, u);
    // 30 publications of ~300 bytes: far more than the 4 KiB bound.
    for (let i = 0; i < 30; i++) await pushTag(app, u, `${i}-${'x'.repeat(300)}`);
    const held = (app.app.get(Broker) as unknown as { bytes: number }).bytes;
    expect(held).toBeLessThanOrEqual(4096);
    expect(held).toBeGreaterThan(0);

    await comeBack(socket, app.url);
    expect(socket.recovered).toBe(false);
    await roundTrip(socket);
    expect(pushes).toEqual([]);
    await pushTag(app, u, 'fresh');
    await roundTrip(socket);
    expect(pushes.map((p) => p.tag)).toEqual(['fresh']);
  });
});
