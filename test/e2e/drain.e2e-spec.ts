import { NO_LOAD_ADMISSION, TEST_JWT_SECRET, signToken } from '../support/app.js';
import { type ClientSocket, closeAllClients, connectUser, createClient, firstOf } from '../support/client.js';
import { eventually } from '../support/eventually.js';
import { assertBuilt, exitOf, httpStatus, killAllGateways, spawnGateway, startGateway } from '../support/node-process.js';
import { freePort } from '../support/redis-server.js';

// SPEC §7, the graceful drain, against `node dist/main.js`: readiness turns 503 at once; for
// SHUTDOWN_DRAIN_DELAY_MS everything is still served (handshakes included); then new handshakes
// are refused and the sockets are moved off in waves over SHUTDOWN_SPREAD_MS, each told
// `server:shutdown { reconnect: true, reconnectAfterMs }` before its transport closes; exit 0.

const DELAY_MS = 1000;
const SPREAD_MS = 1000;
const CLIENTS = 24;

interface Moved {
  at: number;
  payload: { reconnect: boolean; reconnectAfterMs: number };
  reason: Promise<string>;
}

/** When `socket` receives server:shutdown, with what, and why it then disconnects. */
function watchMove(socket: ClientSocket): Promise<Moved> {
  return new Promise((resolve) => {
    socket.once('server:shutdown', (payload: Moved['payload']) => {
      const at = Date.now();
      const reason = new Promise<string>((done) => socket.once('disconnect', done));
      resolve({ at, payload, reason });
    });
  });
}

const token = (user: string) => signToken({ sub: user, session_id: `s-${user}` });

beforeAll(() => assertBuilt());

afterEach(async () => {
  closeAllClients();
  await killAllGateways();
});

describe('graceful drain (SIGTERM, SHUTDOWN_DRAIN_DELAY_MS=1000, SHUTDOWN_SPREAD_MS=1000)', () => {
  it('turns unready at once, serves handshakes through the delay, then moves sockets over the spread and exits 0', async () => {
    const gw = await startGateway({
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      JWT_SECRET: TEST_JWT_SECRET,
      // Every handshake of these tests must pass; load admission has its own specs.
      ...NO_LOAD_ADMISSION,
      SHUTDOWN_DRAIN_DELAY_MS: String(DELAY_MS),
      SHUTDOWN_SPREAD_MS: String(SPREAD_MS),
      SHUTDOWN_TIMEOUT_MS: '10000',
    });
    const sockets = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => connectUser(gw.url, token(`drain-${i}`))));
    const moves = sockets.map(watchMove);
    let firstMoveAt = Infinity;
    void Promise.race(moves).then((m) => (firstMoveAt = m.at));

    const signalledAt = Date.now();
    gw.child.kill('SIGTERM');

    // 1. Readiness is 503 before any socket has been moved (the signal lands a moment after kill()).
    await eventually('readiness 503', () => httpStatus(gw.url, '/health/ready'), (s) => s === 503, { timeoutMs: DELAY_MS / 2, intervalMs: 10 });
    const readyCheckedAt = Date.now();
    expect(readyCheckedAt).toBeLessThan(firstMoveAt);
    expect(await httpStatus(gw.url, '/health/live')).toBe(200);

    // 2. A handshake made during the delay is accepted, and that socket is moved later too.
    const lateStartedAt = Date.now();
    const late = await connectUser(gw.url, token('drain-late'));
    expect(lateStartedAt).toBeLessThan(Math.min(firstMoveAt, signalledAt + DELAY_MS));
    const lateMove = watchMove(late);

    // 3. The moves: none before the delay, spread over the spread, each with a delay to wait.
    const moved = await Promise.all([...moves, lateMove]);
    const times = moved.map((m) => m.at - signalledAt).sort((a, b) => a - b);
    expect(times[0]).toBeGreaterThanOrEqual(DELAY_MS - 50);
    expect(times[times.length - 1] - times[0]).toBeGreaterThanOrEqual(SPREAD_MS / 2);
    expect(times[times.length - 1]).toBeLessThan(DELAY_MS + SPREAD_MS + 3000);
    for (const { payload } of moved) {
      expect(payload.reconnect).toBe(true);
      expect(payload.reconnectAfterMs).toEqual(expect.any(Number));
      expect(payload.reconnectAfterMs).toBeGreaterThanOrEqual(0);
      expect(payload.reconnectAfterMs).toBeLessThan(SPREAD_MS);
    }
    // Not every socket is told the same delay (they must not all come back at once).
    expect(new Set(moved.map((m) => m.payload.reconnectAfterMs)).size).toBeGreaterThan(1);
    // The transport is closed (no DISCONNECT packet), so plain Socket.IO clients reconnect by themselves.
    for (const { reason } of moved) await expect(reason).resolves.toBe('transport close');

    // 4. Once moving started, a new handshake is refused (UNAVAILABLE), or nothing listens any more.
    const refused = createClient(gw.url, { auth: { token: token('drain-refused') } });
    const outcome = await firstOf<{ data?: { code?: string } }>(refused, ['connected', 'connect_error']);
    expect(outcome.event).toBe('connect_error');
    if (outcome.payload.data) expect(outcome.payload.data.code).toBe('UNAVAILABLE');

    // 5. Exit 0 in time, not forced by SHUTDOWN_TIMEOUT_MS.
    const { code, signal } = await exitOf(gw);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(gw.stdout() + gw.stderr()).not.toContain('Shutdown timeout reached');
  });

  it('a second signal moves the remaining sockets at once and still exits 0 after the drain', async () => {
    const gw = await startGateway({
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      JWT_SECRET: TEST_JWT_SECRET,
      // Every handshake of these tests must pass; load admission has its own specs.
      ...NO_LOAD_ADMISSION,
      SHUTDOWN_DRAIN_DELAY_MS: '8000',
      SHUTDOWN_SPREAD_MS: '8000',
      SHUTDOWN_TIMEOUT_MS: '20000',
    });
    const sockets = await Promise.all(Array.from({ length: 6 }, (_, i) => connectUser(gw.url, token(`hurry-${i}`))));
    const moves = sockets.map(watchMove);
    gw.child.kill('SIGTERM');
    await eventually('readiness 503', () => httpStatus(gw.url, '/health/ready'), (s) => s === 503, { intervalMs: 10 });
    const hurriedAt = Date.now();
    gw.child.kill('SIGTERM');

    const moved = await Promise.all(moves);
    // Well before the delay would have ended: the second signal cut the waiting short.
    for (const m of moved) expect(m.at - hurriedAt).toBeLessThan(4000);
    for (const { reason } of moved) await expect(reason).resolves.toBe('transport close');
    // Not killed by the second signal: the drain ran to its end and the process exited by itself.
    expect(await exitOf(gw)).toEqual({ code: 0, signal: null });
    expect(gw.stdout()).toContain('Second signal');
  });

  it('refuses a configuration whose delay and spread do not fit in the timeout', async () => {
    const gw = await spawnGateway({
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      JWT_SECRET: TEST_JWT_SECRET,
      // Every handshake of these tests must pass; load admission has its own specs.
      ...NO_LOAD_ADMISSION,
      SHUTDOWN_DRAIN_DELAY_MS: '5000',
      SHUTDOWN_SPREAD_MS: '10000',
      SHUTDOWN_TIMEOUT_MS: '15000',
    });
    const { code } = await exitOf(gw);
    expect(code).toBe(1);
    expect(gw.stderr()).toMatch(/SHUTDOWN_TIMEOUT_MS.*SHUTDOWN_DRAIN_DELAY_MS.*SHUTDOWN_SPREAD_MS/);
  });
});
