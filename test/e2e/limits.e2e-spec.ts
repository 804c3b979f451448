import { closeAllClients, connectUser, disconnected, nextEvent } from '../support/client.js';
import { type TestApp, redisEnv, startApp, uniquePrefix, userToken } from '../support/app.js';

const send = { recipientIds: ['nobody'], message: 'hi' };

describe('per-user, per-event rate limits across two nodes (SPEC §4.9)', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    const env = { ...redisEnv(uniquePrefix('limits')), RATE_LIMITS: '{"send_message":[3,60000],"*":[4,60000]}' };
    [a, b] = await Promise.all([startApp(env), startApp(env)]);
  });
  afterAll(async () => {
    closeAllClients();
    await Promise.all([a.close(), b.close()]);
  });

  it('shares one budget between the sockets of a user on different nodes, and refuses with retryAfterMs', async () => {
    const onA = await connectUser(a.url, userToken('rl-user', 's1'));
    const onB = await connectUser(b.url, userToken('rl-user', 's1'));
    expect((await onA.emitWithAck('send_message', send)).ok).toBe(true);
    expect((await onB.emitWithAck('send_message', send)).ok).toBe(true);
    expect((await onA.emitWithAck('send_message', send)).ok).toBe(true);
    const refused = await onB.emitWithAck('send_message', send);
    expect(refused).toEqual({ ok: false, error: { code: 'RATE_LIMITED', message: expect.any(String), details: { retryAfterMs: expect.any(Number) } } });
    expect(refused.error.details.retryAfterMs).toBeGreaterThan(0);
    expect(refused.error.details.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect((await onA.emitWithAck('send_message', send)).error.code).toBe('RATE_LIMITED');
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
    for (let i = 0; i < 4; i++) expect((await socket.emitWithAck('auth:refresh', {})).error.code).toBe('VALIDATION_FAILED');
    const error = nextEvent(socket, 'error');
    socket.emit('auth:refresh', {});
    expect(await error).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterMs: expect.any(Number) } });
  });
});

describe('MAX_IDLE_TIME (SPEC §4.8)', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startApp({ MAX_IDLE_TIME: '1000' });
  });
  afterAll(async () => {
    closeAllClients();
    await sut.close();
  });

  it('disconnects a socket that sends nothing for MAX_IDLE_TIME', async () => {
    const socket = await connectUser(sut.url, userToken('idle-user'));
    const started = Date.now();
    expect(await disconnected(socket, 4000)).toBe('io server disconnect');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('keeps a socket that sends events, then disconnects it once it goes quiet', async () => {
    const socket = await connectUser(sut.url, userToken('busy-user'));
    const gone = disconnected(socket, 6000);
    const started = Date.now();
    // Activity every 400 ms for 1.6 s: each event restarts the 1 s idle timer.
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 400));
      await socket.emitWithAck('auth:refresh', {});
    }
    expect(socket.connected).toBe(true);
    const quietSince = Date.now();
    expect(await gone).toBe('io server disconnect');
    expect(Date.now() - quietSince).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2500);
  });
});
