// SPEC §2.3, §4.8: every event a socket sends (known, unknown, refused by a rate limit) spends
// its packet budget, SOCKET_MAX_PACKETS per second averaged over 5 s; past it the socket gets
// `error { code: "RATE_LIMITED" }` and is disconnected. Unknown events never reset the idle timer.
import { fresh, userToken, useApp } from '../support/app.js';
import { ack, type ClientSocket, connectUser, createClient, disconnected, firstOf, nextMatching, roundTrip, untyped } from '../support/client.js';
import { BILLING_KEY, INTERNAL_SERVICES } from '../support/services.js';

/** SOCKET_MAX_PACKETS=10: 50 packets per 5 s. */
const BUDGET = 50;

function budgetError(socket: ClientSocket): Promise<{ code: string; message: string }> {
  // Only the budget's error is followed by the server's disconnect; collect it and wait for both.
  return nextMatching<{ code: string; message: string }>(socket, 'error', (e) => e?.code === 'RATE_LIMITED');
}

describe('packet budget on / (SOCKET_MAX_PACKETS=10)', () => {
  const sut = useApp({ SOCKET_MAX_PACKETS: '10', RATE_LIMITS: '{"message:typing":[1,60000]}' }, { closeClients: 'each' });

  it('a flood of unknown events gets error RATE_LIMITED, then the server disconnects the socket; others are unaffected', async () => {
    const bystander = await connectUser(sut.url, userToken(fresh('bystander')));
    const flooder = await connectUser(sut.url, userToken(fresh('flooder')));
    const error = budgetError(flooder);
    const gone = disconnected(flooder);
    for (let i = 0; i < 4 * BUDGET; i++) untyped(flooder).emit(`no-such-event-${i % 7}`, { i });
    expect(await error).toEqual({ code: 'RATE_LIMITED', message: expect.any(String) });
    expect(await gone).toBe('io server disconnect');
    await roundTrip(bystander);
    expect(bystander.connected).toBe(true);
  });

  it('known events refused by their rate limit spend the budget too', async () => {
    const user = fresh('typist');
    const socket = await connectUser(sut.url, userToken(user, `s-${user}`, { chats: ['c1'] }));
    const gone = disconnected(socket);
    const acks = Array.from({ length: 2 * BUDGET }, () =>
      ack(socket, 'message:typing', { chatId: 'c1' }, 2000).then(
        (res) => (res.ok ? 'ok' : res.error.code),
        () => 'no ack',
      ),
    );
    expect(await gone).toBe('io server disconnect');
    const outcomes = await Promise.all(acks);
    // The per-event limit refused all but the first; past the budget nothing was handled at all.
    expect(outcomes.filter((o) => o === 'RATE_LIMITED').length).toBeLessThanOrEqual(BUDGET);
    expect(outcomes.filter((o) => o === 'no ack').length).toBeGreaterThanOrEqual(BUDGET);
  });

  it('a socket within its budget keeps working', async () => {
    const socket = await connectUser(sut.url, userToken(fresh('calm')));
    for (let i = 0; i < BUDGET - 10; i++) untyped(socket).emit('no-such-event', i);
    await roundTrip(socket);
    expect(socket.connected).toBe(true);
  });
});

describe('packet budget on /internal (SOCKET_MAX_PACKETS=10)', () => {
  const sut = useApp({ SOCKET_MAX_PACKETS: '10', INTERNAL_SERVICES }, { closeClients: 'each' });

  it('an unauthenticated /internal socket flooding events is refused and disconnected', async () => {
    const socket = createClient(`${sut.url}/internal`);
    await firstOf(socket, ['connect']);
    const error = budgetError(socket);
    const gone = disconnected(socket);
    for (let i = 0; i < 4 * BUDGET; i++) untyped(socket).emit('no-such-event', i);
    expect((await error).code).toBe('RATE_LIMITED');
    expect(await gone).toBe('io server disconnect');
  });

  it('an authenticated service is a trusted backend: its volume is not capped by the user budget', async () => {
    const socket = createClient(`${sut.url}/internal`, { auth: { serviceName: 'billing', serviceKey: BILLING_KEY } });
    await firstOf(socket, ['authenticated']);
    const acks = await Promise.all(Array.from({ length: 4 * BUDGET }, () => ack(socket, 'get_online_users', { userIds: ['u1'] })));
    expect(acks.every((a) => a.ok)).toBe(true);
    expect(socket.connected).toBe(true);
  });
});

describe('unknown events and the idle timer (MAX_IDLE_TIME=1000)', () => {
  const sut = useApp({ MAX_IDLE_TIME: '1000' }, { closeClients: 'each' });

  it('a socket that sends only unknown events is disconnected as idle', async () => {
    const socket = await connectUser(sut.url, userToken(fresh('idler')));
    const keepAlive = setInterval(() => untyped(socket).emit('no-such-event'), 100);
    try {
      expect(await disconnected(socket, 4000)).toBe('io server disconnect');
    } finally {
      clearInterval(keepAlive);
    }
  });
});
