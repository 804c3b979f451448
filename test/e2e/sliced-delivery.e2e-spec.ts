import { fresh, redisEnv, TEST_INTERNAL_SECRET, type TestApp, uniquePrefix, useApp, userToken } from '../support/app.js';
import { ack, type ClientSocket, closeAllClients, collect, connectUser, createClient, nextEvent, roundTrip } from '../support/client.js';

// docs/configuration.md (DELIVERY_SLICE_MS): a broadcast to a large room is written over several
// turns of the event loop, and every publication after it waits behind it. With a slice of 1 ms
// a room of 300 sockets takes several slices per message; each socket must still get every
// message once, in the order the backend sent them, the room's and its own interleaved.

const MEMBERS = 300;
const ROUNDS = 20;

async function batch(app: TestApp, items: unknown[]): Promise<void> {
  const res = await fetch(`${app.url}/internal/emit/batch`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TEST_INTERNAL_SECRET}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ items }),
  });
  if (res.status !== 200) throw new Error(`batch answered ${res.status}: ${await res.text()}`);
}

afterEach(() => closeAllClients());

describe.each([
  ['memory engine', () => ({ DELIVERY_SLICE_MS: '1' })],
  ['Redis engine', () => ({ ...redisEnv(uniquePrefix('sliced')), DELIVERY_SLICE_MS: '1' })],
])('publications written in slices, %s', (_name, env) => {
  const app = useApp(env);

  it('reach every socket of a large room once each and in order, interleaved with pushes to one user', async () => {
    const chatId = fresh('big-room');
    const users = Array.from({ length: MEMBERS }, (_, i) => fresh(`m${i}`));
    const sockets: ClientSocket[] = [];
    for (let i = 0; i < users.length; i += 50) {
      sockets.push(...(await Promise.all(users.slice(i, i + 50).map((u) => connectUser(app.url, userToken(u, 's', { chats: [chatId] }))))));
    }
    await Promise.all(sockets.map(async (s) => expect((await ack(s, 'chat:join', { chatId })).ok).toBe(true)));
    const seen = sockets.map((s) => collect<{ seq: number }>(s, 'chat:updated'));

    // One batch: each round a message to the room, then one to the last member alone.
    const last = users.length - 1;
    const items = [];
    for (let r = 0; r < ROUNDS; r++) {
      items.push({ room: `chat:${chatId}`, event: 'chat:updated', payload: { chatId, seq: 2 * r } });
      items.push({ userId: users[last], event: 'chat:updated', payload: { chatId, seq: 2 * r + 1 } });
    }
    await batch(app, items);
    const done = () => seen.every((list, i) => list.length === (i === last ? 2 * ROUNDS : ROUNDS));
    for (let tries = 0; !done() && tries < 200; tries++) await roundTrip(sockets[tries % sockets.length]);
    await Promise.all(sockets.map((s) => roundTrip(s)));

    const roomOnly = Array.from({ length: ROUNDS }, (_, r) => 2 * r);
    seen.forEach((list, i) => expect(list.map((p) => p.seq)).toEqual(i === last ? Array.from({ length: 2 * ROUNDS }, (_, k) => k) : roomOnly));
  }, 60_000);

  it('gives a socket that connects while the room is still being written everything from its first message on', async () => {
    const chatId = fresh('busy-room');
    const connect = (name: string) => connectUser(app.url, userToken(fresh(name), 's', { chats: [chatId] }));
    const members: ClientSocket[] = [];
    for (let i = 0; i < MEMBERS; i += 50) members.push(...(await Promise.all(Array.from({ length: 50 }, (_, k) => connect(`old${i + k}`)))));

    // Batches of room messages back to back while newcomers connect (fresh, not recovering), and
    // five more once they all are in.
    let seq = 0;
    let connecting = true;
    const flood = (async () => {
      for (let after = 5; connecting || after-- > 0; ) await batch(app, Array.from({ length: 10 }, () => ({ room: `chat:${chatId}`, event: 'chat:updated', payload: { chatId, seq: seq++ } })));
    })();
    const newcomers = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const seen: number[] = [];
        // Listening before the handshake: what arrives before `connected` counts too.
        const socket = createClient(app.url, { auth: { token: userToken(fresh(`new${i}`), 's', { chats: [chatId] }) } });
        socket.on('chat:updated', (p: { seq: number }) => seen.push(p.seq));
        await nextEvent(socket, 'connected');
        return { socket, seen };
      }),
    );
    connecting = false;
    await flood;
    const sent = seq;
    for (const { socket, seen } of newcomers) {
      for (let tries = 0; seen[seen.length - 1] !== sent - 1 && tries < 200; tries++) await roundTrip(socket);
    }

    // From its first message on, each newcomer got every message once, in order, to the last.
    for (const { seen } of newcomers) {
      expect(seen.length).toBeGreaterThan(0);
      expect(seen).toEqual(Array.from({ length: sent - seen[0] }, (_, k) => seen[0] + k));
    }
  }, 60_000);
});
