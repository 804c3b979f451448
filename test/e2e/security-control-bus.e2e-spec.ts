import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { encryptField, sealMessage } from '../../src/control-bus/producer.js';
import { TEST_INTERNAL_SECRET, TEST_JWT_SECRET, uniquePrefix, userToken, redisEnv, useApps } from '../support/app.js';
import { type ClientSocket, collect, connectUser, nextEvent, roundTrip } from '../support/client.js';
import { eventually } from '../support/eventually.js';
import { assertBuilt, killAllGateways, spawnGateway, untilLive } from '../support/node-process.js';
import { freePort } from '../support/redis-server.js';

// docs/protocol.md §5 SEALED (issue 9, item 8): with CONTROL_ALLOW_LEGACY=false only sealed messages act;
// a sealed message acts once across nodes, within 60 s of its ts, on its own channel only; the
// producer CLI writes sealed messages by default.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(ROOT, 'dist/cli/encrypt.js');
const SECRET_KEY = 'sealed-e2e-secret-key-0123456789';
const SECRET_IV = 'sealed-e2e-secret-iv';
const BARRIER_EVENT = 'account:update';

let seq = 0;
const fresh = (label: string) => `${label}-${process.pid}-${++seq}-${randomUUID().slice(0, 8)}`;

describe('control bus with CONTROL_ALLOW_LEGACY=false on two nodes', () => {
  const prefix = uniquePrefix('sealed');
  const [a, b] = useApps(2, () => ({ ...redisEnv(prefix), SECRET_KEY, SECRET_IV, CONTROL_ALLOW_LEGACY: 'false' }), { closeClients: 'each' });
  let publisher: Redis;

  const channel = (name: string) => `${prefix}:${name}`;
  const sealed = (name: string, message: Record<string, unknown>, ts?: number) => sealMessage(channel(name), message, { secretKey: SECRET_KEY, ts });

  /** Every control message before it has been handled: a sealed emit reaches each socket, then a round trip. */
  async function barrier(userId: string, sockets: ClientSocket[]): Promise<void> {
    const marker = randomUUID();
    const arrivals = sockets.map((s) => nextEvent<{ marker: string }>(s, BARRIER_EVENT));
    await publisher.publish(channel('emit'), sealed('emit', { userId, event: BARRIER_EVENT, payload: { marker } }));
    for (const payload of await Promise.all(arrivals)) expect(payload).toEqual({ marker });
    await Promise.all(sockets.map((s) => roundTrip(s)));
  }

  beforeAll(() => {
    publisher = new Redis(process.env.TEST_REDIS_URL!);
  });

  afterAll(async () => {
    await publisher?.quit();
  });

  it('fields captured from field-encrypted messages cannot be assembled into a kick', async () => {
    const victim = fresh('victim');
    const sockets = [await connectUser(a.url, userToken(victim)), await connectUser(b.url, userToken(victim))];
    const logouts = sockets.map((s) => collect(s, 'auth:logout'));
    // A captured encrypted userId (from any legacy message) pasted into a kick, and a plain one.
    const captured = encryptField(victim, { secretKey: SECRET_KEY });
    await publisher.publish(channel('kick'), JSON.stringify({ userId: captured, reason: encryptField('pwned', { secretKey: SECRET_KEY }) }));
    await publisher.publish(channel('kick'), JSON.stringify({ encrypted: false, userId: victim }));
    await barrier(victim, sockets);
    expect(logouts).toEqual([[], []]);
    expect(sockets.every((s) => s.connected)).toBe(true);
  });

  it('a sealed kick acts once on every node; the same message published again does nothing', async () => {
    const victim = fresh('victim');
    const sockets = [await connectUser(a.url, userToken(victim)), await connectUser(b.url, userToken(victim))];
    const kick = sealed('kick', { userId: victim, reason: 'banned' });
    const logouts = sockets.map((s) => nextEvent(s, 'auth:logout'));
    await publisher.publish(channel('kick'), kick);
    expect(await Promise.all(logouts)).toEqual([{ reason: 'banned' }, { reason: 'banned' }]);

    const again = [await connectUser(a.url, userToken(victim)), await connectUser(b.url, userToken(victim))];
    const seen = again.map((s) => collect(s, 'auth:logout'));
    await publisher.publish(channel('kick'), kick);
    await barrier(victim, again);
    expect(seen).toEqual([[], []]);
  });

  it('a sealed message moved to another channel, or older than 60 s, is refused', async () => {
    const victim = fresh('victim');
    const sockets = [await connectUser(a.url, userToken(victim))];
    const logouts = collect(sockets[0], 'auth:logout');
    // Sealed for force-logout, published on kick: the channel is authenticated with it.
    await publisher.publish(channel('kick'), sealed('force-logout', { userId: victim, sessionId: 'other' }));
    await publisher.publish(channel('kick'), sealed('kick', { userId: victim }, Date.now() - 61_000));
    await barrier(victim, sockets);
    expect(logouts).toEqual([]);
    expect(sockets[0].connected).toBe(true);
  });

  it('the producer CLI seals by default: its output, published as is, is applied', async () => {
    const user = fresh('cli');
    const socket = await connectUser(b.url, userToken(user));
    const message = JSON.stringify({ userId: user, event: 'notification:new', payload: { via: 'cli' } });
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, '--channel', 'emit', message], {
      env: { PATH: process.env.PATH, SECRET_KEY, SOCKET_CONTROL_PREFIX: prefix },
    });
    expect(JSON.parse(stdout)).toEqual({ sealed: expect.any(String) });
    const pushed = nextEvent(socket, 'notification:new');
    await publisher.publish(channel('emit'), stdout.trim());
    await expect(pushed).resolves.toEqual({ via: 'cli' });
  });
});

describe('start-up warning for unsealed control messages with SECRET_KEY set (Redis engine: the control bus)', () => {
  beforeAll(() => assertBuilt());
  afterAll(() => killAllGateways());

  const WARNING = /SECRET_KEY is set but CONTROL_ALLOW_(PLAINTEXT|LEGACY)/;
  const start = async (extra: Record<string, string>) => {
    const gw = await spawnGateway({
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      JWT_SECRET: TEST_JWT_SECRET,
      INTERNAL_SECRET: TEST_INTERNAL_SECRET,
      LOG_LEVEL: 'info',
      ...(redisEnv(uniquePrefix('unsealed')) as Record<string, string>),
      ...extra,
    });
    await untilLive(gw);
    // Start-up is logged in order: once it says it listens, a warning would have come before.
    await eventually('the start-up log', async () => gw.stdout(), (out) => out.includes('Gateway listening'));
    return gw;
  };

  it('warns while plaintext or legacy messages are accepted (the defaults), never printing the key', async () => {
    const defaults = await start({ SECRET_KEY });
    expect(defaults.stdout()).toMatch(WARNING);
    expect(defaults.stdout()).not.toContain(SECRET_KEY);
    const legacyOnly = await start({ SECRET_KEY, CONTROL_ALLOW_PLAINTEXT: 'false' });
    expect(legacyOnly.stdout()).toMatch(/CONTROL_ALLOW_LEGACY/);
  });

  it('is quiet once both are off, and without SECRET_KEY', async () => {
    const sealed = await start({ SECRET_KEY, CONTROL_ALLOW_PLAINTEXT: 'false', CONTROL_ALLOW_LEGACY: 'false' });
    expect(sealed.stdout()).not.toMatch(WARNING);
    const keyless = await start({});
    expect(keyless.stdout()).not.toMatch(WARNING);
  });
});
