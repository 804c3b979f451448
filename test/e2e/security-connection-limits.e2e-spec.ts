// What one client may hold on a node (SPEC §2.1, §2.3, §4.8): no binary attachment is ever
// buffered, a transport that never joins a namespace is closed after CONNECT_TIMEOUT_MS, and one
// user holds at most MAX_SOCKETS_PER_USER sockets across every node.
import { fresh, redisEnv, TEST_INTERNAL_SECRET, uniquePrefix, useApp, useApps, userToken } from '../support/app.js';
import { closeAllClients, connectError, connectUser, disconnected, roundTrip, untyped } from '../support/client.js';
import { eventually } from '../support/eventually.js';
import { closeAllRawSockets, closedWithin, openRawSocket, openRawUserSocket } from '../support/raw-socket.js';

afterEach(() => closeAllRawSockets());

/** `["<event>",{"_placeholder":true,"num":0},…]` announcing `count` attachments. */
function binaryHeader(event: string, count: number): string {
  const placeholders = Array.from({ length: count }, (_, num) => ({ _placeholder: true, num }));
  return `45${count}-${JSON.stringify([event, ...placeholders])}`;
}

describe('binary attachments (SPEC §2.3: no event takes binary)', () => {
  const sut = useApp({}, { closeClients: 'each' });

  it('an authenticated socket that announces attachments is closed before it sends any of them', async () => {
    const raw = await openRawUserSocket(sut.url, userToken(fresh('bin')));
    raw.send(binaryHeader('message:new', 10));
    await closedWithin(raw, 3000);
  });

  it('a transport that announces attachments before joining a namespace is closed too', async () => {
    const raw = await openRawSocket(sut.url);
    raw.send(binaryHeader('x', 10));
    await closedWithin(raw, 3000);
  });

  it('a socket.io-client emitting a Buffer is disconnected; other sockets keep working', async () => {
    const bystander = await connectUser(sut.url, userToken(fresh('bystander')));
    const offender = await connectUser(sut.url, userToken(fresh('offender')));
    untyped(offender).emit('message:new', { chatId: 'c', content: 'x', blob: Buffer.alloc(1024) });
    expect(await disconnected(offender, 3000)).toBe('transport close');
    await roundTrip(bystander);
    expect(bystander.connected).toBe(true);
  });
});

describe('CONNECT_TIMEOUT_MS (SPEC §4.8)', () => {
  const sut = useApp({ CONNECT_TIMEOUT_MS: '400' }, { closeClients: 'each' });

  it('closes a transport that never joins a namespace; a socket that joined stays', async () => {
    const joined = await connectUser(sut.url, userToken(fresh('joined')));
    const started = Date.now();
    const raw = await openRawSocket(sut.url);
    await closedWithin(raw, 3000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    await roundTrip(joined);
    expect(joined.connected).toBe(true);
  });
});

describe('MAX_SOCKETS_PER_USER (memory engine)', () => {
  const sut = useApp({ MAX_SOCKETS_PER_USER: '2' }, { closeClients: 'each' });

  it('refuses the user\'s third socket with TOO_MANY_SOCKETS and changes nothing else; a freed slot is usable again', async () => {
    const user = fresh('many');
    const first = await connectUser(sut.url, userToken(user, 's1'));
    const second = await connectUser(sut.url, userToken(user, 's1'));
    const logouts: unknown[] = [];
    first.on('auth:logout', (p: unknown) => logouts.push(p));

    const refused = await connectError(sut.url, userToken(user, 's1'));
    expect(refused.message).toBe('TOO_MANY_SOCKETS');
    expect(refused.data).toEqual({ code: 'TOO_MANY_SOCKETS', message: expect.any(String) });
    // A refused handshake with another session does not replace the live one (single policy).
    expect((await connectError(sut.url, userToken(user, 's2'))).message).toBe('TOO_MANY_SOCKETS');
    await roundTrip(first);
    await roundTrip(second);
    expect(logouts).toEqual([]);

    // Another user is not affected.
    await connectUser(sut.url, userToken(fresh('other')));

    second.close();
    await eventually('the closed socket to leave the count', () => presenceDevices(sut.url, user), (n) => n === 1);
    await connectUser(sut.url, userToken(user, 's1'));
  });
});

describe('MAX_SOCKETS_PER_USER across two nodes on one Redis', () => {
  const prefix = uniquePrefix('maxsockets');
  const [a, b] = useApps(2, () => ({ ...redisEnv(prefix), MAX_SOCKETS_PER_USER: '2' }), { closeClients: 'each' });

  it('counts the user\'s sockets on every node', async () => {
    const user = fresh('spread');
    await connectUser(a.url, userToken(user));
    await connectUser(b.url, userToken(user));
    expect((await connectError(a.url, userToken(user))).message).toBe('TOO_MANY_SOCKETS');
    expect((await connectError(b.url, userToken(user))).message).toBe('TOO_MANY_SOCKETS');
  });
});

afterAll(() => closeAllClients());

async function presenceDevices(url: string, userId: string): Promise<number> {
  const res = await fetch(`${url}/internal/presence?userIds=${encodeURIComponent(userId)}`, {
    headers: { Authorization: `Bearer ${TEST_INTERNAL_SECRET}` },
  });
  const body = (await res.json()) as { data: { users: Array<{ devices: number }> } };
  return body.data.users[0].devices;
}
