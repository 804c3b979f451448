import { setTimeout as delay } from 'node:timers/promises';
import { ack, connectUser, disconnected, nextEvent, roundTrip, untyped } from '../support/client.js';
import { uniquePrefix, useApp, userToken, useApps, redisEnv } from '../support/app.js';

const send = { recipientIds: ['nobody'], message: 'hi' };

describe('per-user, per-event rate limits across two nodes (docs/protocol.md §4.9)', () => {
  const [a, b] = useApps(2, () => ({ ...redisEnv(uniquePrefix('limits')), RATE_LIMITS: '{"send_message":[3,60000],"*":[4,60000]}' }));

  it('shares one budget between the sockets of a user on different nodes, and refuses with retryAfterMs', async () => {
    const onA = await connectUser(a.url, userToken('rl-user', 's1'));
    const onB = await connectUser(b.url, userToken('rl-user', 's1'));
    expect((await onA.emitWithAck('send_message', send)).ok).toBe(true);
    expect((await onB.emitWithAck('send_message', send)).ok).toBe(true);
    expect((await onA.emitWithAck('send_message', send)).ok).toBe(true);
    const refused = await untyped(onB).emitWithAck('send_message', send);
    expect(refused).toEqual({ ok: false, error: { code: 'RATE_LIMITED', message: expect.any(String), details: { retryAfterMs: expect.any(Number) } } });
    expect(refused.error.details.retryAfterMs).toBeGreaterThan(0);
    expect(refused.error.details.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect((await ack(onA, 'send_message', send)).error?.code).toBe('RATE_LIMITED');
  });

  it('keeps budgets per user and per event', async () => {
    const other = await connectUser(a.url, userToken('rl-other', 's1'));
    for (let i = 0; i < 3; i++) expect((await other.emitWithAck('send_message', send)).ok).toBe(true);
    // a different event has its own ("*") budget of 4
    const refresh = await other.emitWithAck('auth:refresh', { token: userToken('rl-other', 's1') });
    expect(refresh.ok).toBe(true);
  });

  it('applies "*" to every other event, and reports to `error` when no ack was given', async () => {
    const socket = await connectUser(b.url, userToken('rl-star', 's1'));
    for (let i = 0; i < 4; i++) expect((await untyped(socket).emitWithAck('auth:refresh', {})).error.code).toBe('VALIDATION_FAILED');
    const error = nextEvent(socket, 'error');
    untyped(socket).emit('auth:refresh', {});
    expect(await error).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterMs: expect.any(Number) } });
  });
});

describe('MAX_IDLE_TIME (docs/protocol.md §4.8); the timing itself: src/user-gateway/idle-timeout.spec.ts', () => {
  const sut = useApp({ MAX_IDLE_TIME: '1000' }, { closeClients: 'all' });

  it('disconnects a socket that sends nothing for MAX_IDLE_TIME', async () => {
    const socket = await connectUser(sut.url, userToken('idle-user'));
    const started = Date.now();
    expect(await disconnected(socket, 4000)).toBe('io server disconnect');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('keeps a socket that sends events while a silent one is dropped, then drops it once it goes quiet', async () => {
    const silent = await connectUser(sut.url, userToken('silent-user'));
    const busy = await connectUser(sut.url, userToken('busy-user'));
    const busyGone = disconnected(busy, 6000);
    let silentDropped = false;
    const silentGone = disconnected(silent, 4000).finally(() => (silentDropped = true));
    // The silent socket (connected first) is the clock: events until it has been dropped, paced
    // like a real client's (back to back they would spend the packet budget, SPEC §4.8).
    while (!silentDropped) {
      await roundTrip(busy);
      await delay(25);
    }
    expect(await silentGone).toBe('io server disconnect');
    await roundTrip(busy);
    expect(busy.connected).toBe(true);
    expect(await busyGone).toBe('io server disconnect');
  });
});
