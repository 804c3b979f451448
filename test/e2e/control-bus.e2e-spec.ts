import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { type CipherFormat, encryptField, encryptJson } from '../../src/control-bus/producer.js';
import { type Env } from '../../src/config/load-config.js';
import { type TestApp, startApp, uniquePrefix, userToken, redisEnv } from '../support/app.js';
import {
  type ClientSocket,
  closeAllClients,
  collect,
  connectError,
  connectUser,
  disconnected,
  nextEvent,
  roundTrip,
} from '../support/client.js';
import { eventually } from '../support/eventually.js';
import { scrapeMetrics, sumOf } from '../support/metrics.js';

// docs/protocol.md §5: the Redis control bus, on two app instances sharing one prefix.

type Channel = 'emit' | 'force-logout' | 'kick';
type Format = CipherFormat | 'plain';

const SECRET_KEY = 'control-bus-e2e-secret-key';
const SECRET_IV = 'control-bus-e2e-secret-iv';
const METRIC = 'gateway_control_bus_messages_total';
/** Only the barrier uses this event, so every other event a socket sees belongs to the test. */
const BARRIER_EVENT = 'account:update';

let publisher: Redis;
let seq = 0;
const fresh = (label: string) => `${label}-${++seq}-${randomUUID().slice(0, 8)}`;

function enc(text: string, format: CipherFormat, secretKey = SECRET_KEY): string {
  return encryptField(text, { secretKey, secretIv: SECRET_IV, format });
}

function encJson(value: unknown, format: CipherFormat): string {
  return encryptJson(value, { secretKey: SECRET_KEY, secretIv: SECRET_IV, format });
}

/** A well-formed message in `format`: string fields (and the payload) encrypted unless plain. */
function message(format: Format, fields: Record<string, unknown>): Record<string, unknown> {
  if (format === 'plain') return { encrypted: false, ...fields };
  const out: Record<string, unknown> = format === 'gcm' ? {} : { encrypted: true };
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'payload') out[key] = encJson(value, format);
    else if (typeof value === 'string') out[key] = enc(value, format);
    else if (Array.isArray(value)) out[key] = value.map((v) => enc(String(v), format));
    else out[key] = value;
  }
  return out;
}

/** Replaces the auth tag of a GCM field with another valid-looking 16-byte tag. */
function tamperTag(field: string): string {
  const [iv, data, tag] = field.split(':');
  const bytes = Buffer.from(tag, 'base64');
  bytes[0] ^= 0xff;
  return `${iv}:${data}:${bytes.toString('base64')}`;
}

async function publish(prefix: string, channel: Channel, msg: string | object): Promise<number> {
  return publisher.publish(`${prefix}:${channel}`, typeof msg === 'string' ? msg : JSON.stringify(msg));
}

/**
 * "Nothing more will arrive": publishes a distinct emit after the message under test and waits
 * for it on every socket (control messages are applied in order), then a ping-pong per socket.
 */
async function barrier(prefix: string, userId: string, sockets: ClientSocket[], format: Format = 'plain'): Promise<void> {
  const marker = randomUUID();
  const arrivals = sockets.map((s) => nextEvent<{ marker: string }>(s, BARRIER_EVENT));
  await publish(prefix, 'emit', message(format, { userId, event: BARRIER_EVENT, payload: { marker } }));
  for (const payload of await Promise.all(arrivals)) expect(payload).toEqual({ marker });
  await Promise.all(sockets.map((s) => roundTrip(s)));
}

/** Every event but the barrier's, in arrival order. */
function recordAll(socket: ClientSocket): Array<[string, unknown]> {
  const seen: Array<[string, unknown]> = [];
  socket.onAny((event: string, payload: unknown) => {
    if (event !== BARRIER_EVENT) seen.push([event, payload]);
  });
  return seen;
}

async function outcomeCount(app: TestApp, channel: Channel, outcome: string): Promise<number> {
  return sumOf(await scrapeMetrics(app.url), METRIC, { channel, outcome });
}

async function healthStatus(app: TestApp): Promise<string> {
  const res = await fetch(`${app.url}/health`);
  return ((await res.json()) as { status: string }).status;
}

function redisAppEnv(prefix: string, extra: Env = {}): Env {
  return { ...redisEnv(prefix), ...extra };
}

beforeAll(() => {
  publisher = new Redis(process.env.TEST_REDIS_URL as string);
});
afterAll(async () => {
  await publisher.quit();
});
afterEach(() => {
  closeAllClients();
});

describe('control bus on two nodes (A and B) sharing one prefix', () => {
  let a: TestApp;
  let b: TestApp;
  let prefix: string;

  beforeAll(async () => {
    prefix = uniquePrefix('cbus');
    const env = redisAppEnv(prefix, { SECRET_KEY, SECRET_IV, SESSION_POLICY: 'multi' });
    [a, b] = await Promise.all([startApp(env), startApp(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  /** One socket of `userId` on each node. */
  async function onBothNodes(userId: string, sessionId = `s-${userId}`): Promise<[ClientSocket, ClientSocket]> {
    const token = userToken(userId, sessionId);
    return [await connectUser(a.url, token), await connectUser(b.url, token)];
  }

  describe('emit', () => {
    const cases: Array<[string, Format, (userId: string) => Record<string, unknown>]> = [
      ['plaintext, userId', 'plain', (u) => ({ userId: u })],
      ['plaintext, user_id', 'plain', (u) => ({ user_id: u })],
      ['legacy CBC, userId', 'cbc', (u) => ({ userId: u })],
      ['legacy CBC, user_id', 'cbc', (u) => ({ user_id: u })],
      ['GCM (encrypted omitted), userId', 'gcm', (u) => ({ userId: u })],
      ['GCM (encrypted omitted), user_id', 'gcm', (u) => ({ user_id: u })],
      ['plaintext, room', 'plain', (u) => ({ room: `user:${u}` })],
      ['legacy CBC, room', 'cbc', (u) => ({ room: `user:${u}` })],
      ['GCM, room', 'gcm', (u) => ({ room: `user:${u}` })],
    ];

    it.each(cases)('%s: each socket of the user, on A and on B, receives the event exactly once', async (_label, format, target) => {
      const userId = fresh('emit');
      const sockets = await onBothNodes(userId);
      const seen = sockets.map(recordAll);
      const payload = { title: 'hello', n: 42, nested: { list: [1, 'two', null] }, unicode: 'héllo 🚀' };

      const arrivals = sockets.map((s) => nextEvent(s, 'notification:new'));
      expect(await publish(prefix, 'emit', message(format, { ...target(userId), event: 'notification:new', payload }))).toBe(2);
      for (const received of await Promise.all(arrivals)) expect(received).toEqual(payload);
      await barrier(prefix, userId, sockets);

      for (const events of seen) expect(events).toEqual([['notification:new', payload]]);
    });

    it.each<[Format]>([['plain'], ['cbc'], ['gcm']])('userIds (%s, each element encrypted): every listed user gets it once, a repeated id included', async (format) => {
      const first = fresh('ids');
      const second = fresh('ids');
      const bystander = fresh('ids-bystander');
      const sockets = [...(await onBothNodes(first)), ...(await onBothNodes(second))];
      const bystanderSocket = await connectUser(a.url, userToken(bystander));
      const seen = sockets.map(recordAll);
      const bystanderSeen = recordAll(bystanderSocket);
      const payload = { text: `to many (${format})` };

      const arrivals = sockets.map((s) => nextEvent(s, 'message:new'));
      await publish(prefix, 'emit', message(format, { userIds: [first, second, first], event: 'message:new', payload }));
      await Promise.all(arrivals);
      await barrier(prefix, first, sockets.slice(0, 2));
      await barrier(prefix, second, sockets.slice(2));
      await barrier(prefix, bystander, [bystanderSocket]);

      for (const events of seen) expect(events).toEqual([['message:new', payload]]);
      expect(bystanderSeen).toEqual([]);
    });

    it('the same raw message published twice is delivered twice (two messages), once per copy', async () => {
      const userId = fresh('twice');
      const sockets = await onBothNodes(userId);
      const received = sockets.map((s) => collect(s, 'notification:new'));
      const raw = JSON.stringify(message('gcm', { userId, event: 'notification:new', payload: { copy: 'same bytes' } }));

      await publish(prefix, 'emit', raw);
      await publish(prefix, 'emit', raw);
      await eventually('both copies on both sockets', async () => received.map((r) => r.length), (n) => n.every((len) => len >= 2));
      await barrier(prefix, userId, sockets);

      for (const r of received) expect(r).toEqual([{ copy: 'same bytes' }, { copy: 'same bytes' }]);
    });
  });

  describe('force-logout', () => {
    it.each<[Format]>([['plain'], ['cbc'], ['gcm']])('(%s) keeps only the named session: the others get auth:logout once, are disconnected and revoked', async (format) => {
      const userId = fresh('fl');
      const [oldA, oldB] = await onBothNodes(userId, 'old-session');
      const [keepA, keepB] = await onBothNodes(userId, 'kept-session');
      const seen = [oldA, oldB, keepA, keepB].map(recordAll);
      const gone = [disconnected(oldA), disconnected(oldB)];

      await publish(prefix, 'force-logout', message(format, { userId, sessionId: 'kept-session' }));

      expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect']);
      await barrier(prefix, userId, [keepA, keepB]);
      expect(seen[0]).toEqual([['auth:logout', { reason: 'force_logout' }]]);
      expect(seen[1]).toEqual([['auth:logout', { reason: 'force_logout' }]]);
      expect(seen[2]).toEqual([]);
      expect(seen[3]).toEqual([]);
      expect(keepA.connected && keepB.connected).toBe(true);

      for (const app of [a, b]) {
        const refused = await connectError(app.url, userToken(userId, 'old-session'));
        expect(refused.data?.code).toBe('SESSION_REVOKED');
      }
      await expect(connectUser(b.url, userToken(userId, 'kept-session'))).resolves.toBeDefined();
    });
  });

  describe('kick', () => {
    it.each<[string, Format, boolean | undefined]>([
      ['plaintext, invalidateSession omitted', 'plain', undefined],
      ['GCM, invalidateSession false', 'gcm', false],
      ['legacy CBC, invalidateSession true', 'cbc', true],
      ['GCM, invalidateSession true', 'gcm', true],
    ])('%s: every socket of the user gets auth:logout { reason } once and is disconnected', async (_label, format, invalidateSession) => {
      const userId = fresh('kick');
      const bystander = fresh('kick-bystander');
      const [s1A, s1B] = await onBothNodes(userId, 'sess-1');
      const s2B = await connectUser(b.url, userToken(userId, 'sess-2'));
      const otherA = await connectUser(a.url, userToken(bystander));
      const targets = [s1A, s1B, s2B];
      const seen = targets.map(recordAll);
      const otherSeen = recordAll(otherA);
      const gone = targets.map((s) => disconnected(s));

      const fields: Record<string, unknown> = { userId, reason: 'maintenance' };
      if (invalidateSession !== undefined) fields.invalidateSession = invalidateSession;
      await publish(prefix, 'kick', message(format, fields));

      for (const reason of await Promise.all(gone)) expect(reason).toBe('io server disconnect');
      for (const events of seen) expect(events).toEqual([['auth:logout', { reason: 'maintenance' }]]);
      await barrier(prefix, bystander, [otherA]);
      expect(otherSeen).toEqual([]);

      if (invalidateSession) {
        expect((await connectError(a.url, userToken(userId, 'sess-1'))).data?.code).toBe('SESSION_REVOKED');
        expect((await connectError(b.url, userToken(userId, 'sess-2'))).data?.code).toBe('SESSION_REVOKED');
        await expect(connectUser(a.url, userToken(userId, 'sess-new'))).resolves.toBeDefined();
      } else {
        await expect(connectUser(a.url, userToken(userId, 'sess-1'))).resolves.toBeDefined();
        await expect(connectUser(b.url, userToken(userId, 'sess-2'))).resolves.toBeDefined();
      }
    });
  });

  describe('malformed messages are dropped, counted by outcome, and harm nothing', () => {
    // `victim` is replaced by the target user's id; each message would reach the victim if mis-applied.
    const victimCases: Array<[string, string, Channel, (victim: string) => string | object]> = [
      ['emit: not JSON', 'bad_json', 'emit', (v) => `{"encrypted":false,"userId":"${v}",`],
      ['emit: a JSON array', 'bad_json', 'emit', (v) => [{ encrypted: false, userId: v, event: 'notification:new', payload: {} }]],
      ['emit: a JSON string', 'bad_json', 'emit', () => '"notification:new"'],
      ['emit: no target at all', 'missing_field', 'emit', () => ({ encrypted: false, event: 'notification:new', payload: { x: 1 } })],
      ['emit: no event', 'missing_field', 'emit', (v) => ({ encrypted: false, userId: v, payload: { x: 1 } })],
      ['emit: event is an array', 'invalid_field', 'emit', (v) => ({ encrypted: false, userId: v, event: ['notification:new'] })],
      ['emit: userId is a number', 'invalid_field', 'emit', () => ({ encrypted: false, userId: 42, event: 'notification:new' })],
      ['emit: userIds is a string', 'invalid_field', 'emit', (v) => ({ encrypted: false, userIds: v, event: 'notification:new' })],
      ['emit: userIds is empty', 'invalid_field', 'emit', () => ({ encrypted: false, userIds: [], event: 'notification:new' })],
      ['emit: encrypted is a string', 'invalid_field', 'emit', (v) => ({ encrypted: 'false', userId: v, event: 'notification:new' })],
      ['emit: plain text fields without encrypted:false', 'decrypt_failed', 'emit', (v) => ({ userId: v, event: 'notification:new', payload: {} })],
      [
        'emit: userId encrypted with a wrong key',
        'decrypt_failed',
        'emit',
        (v) => ({ userId: enc(v, 'gcm', 'not-the-key'), event: enc('notification:new', 'gcm'), payload: encJson({}, 'gcm') }),
      ],
      [
        'emit: CBC userId encrypted with a wrong key',
        'decrypt_failed',
        'emit',
        // A wrong key yields bad padding or non-UTF-8 output (anything else is vanishingly rare).
        (v) => ({ encrypted: true, userId: enc(v, 'cbc', 'not-the-key'), event: enc('notification:new', 'cbc') }),
      ],
      [
        'emit: tampered GCM tag on the event',
        'decrypt_failed',
        'emit',
        (v) => ({ userId: enc(v, 'gcm'), event: tamperTag(enc('notification:new', 'gcm')), payload: encJson({}, 'gcm') }),
      ],
      [
        'emit: tampered GCM tag on the payload',
        'decrypt_failed',
        'emit',
        (v) => ({ userId: enc(v, 'gcm'), event: enc('notification:new', 'gcm'), payload: tamperTag(encJson({ x: 1 }, 'gcm')) }),
      ],
      ['emit: encrypted payload that is not JSON', 'invalid_field', 'emit', (v) => ({ userId: enc(v, 'gcm'), event: enc('notification:new', 'gcm'), payload: enc('{nope', 'gcm') })],
      ['emit: disallowed event (GCM)', 'invalid_field', 'emit', (v) => message('gcm', { userId: v, event: 'admin:takeover', payload: {} })],
      ['emit: disallowed event (plaintext)', 'invalid_field', 'emit', (v) => message('plain', { userId: v, event: 'connected', payload: {} })],
      ['force-logout: not JSON', 'bad_json', 'force-logout', () => 'force-logout please'],
      ['force-logout: a JSON array', 'bad_json', 'force-logout', (v) => [v, 'other-session']],
      ['force-logout: missing userId', 'missing_field', 'force-logout', () => ({ encrypted: false, sessionId: 'other-session' })],
      ['force-logout: missing sessionId', 'missing_field', 'force-logout', (v) => ({ encrypted: false, userId: v })],
      ['force-logout: sessionId is a number', 'invalid_field', 'force-logout', (v) => ({ encrypted: false, userId: v, sessionId: 7 })],
      ['force-logout: wrong key', 'decrypt_failed', 'force-logout', (v) => ({ userId: enc(v, 'gcm', 'not-the-key'), sessionId: enc('other-session', 'gcm') })],
      ['force-logout: tampered GCM tag', 'decrypt_failed', 'force-logout', (v) => ({ userId: enc(v, 'gcm'), sessionId: tamperTag(enc('other-session', 'gcm')) })],
      ['kick: not JSON', 'bad_json', 'kick', () => '<kick/>'],
      ['kick: a JSON array', 'bad_json', 'kick', (v) => [{ encrypted: false, userId: v }]],
      ['kick: missing userId', 'missing_field', 'kick', () => ({ encrypted: false, reason: 'x' })],
      ['kick: invalidateSession is a string', 'invalid_field', 'kick', (v) => ({ encrypted: false, userId: v, invalidateSession: 'yes' })],
      ['kick: reason is a number', 'invalid_field', 'kick', (v) => ({ encrypted: false, userId: v, reason: 5 })],
      ['kick: wrong key', 'decrypt_failed', 'kick', (v) => ({ userId: enc(v, 'gcm', 'not-the-key') })],
      ['kick: tampered GCM tag', 'decrypt_failed', 'kick', (v) => ({ userId: tamperTag(enc(v, 'gcm')) })],
    ];

    it.each(victimCases)('%s → %s on both nodes; nothing delivered; a following valid message arrives', async (_label, outcome, channel, build) => {
      const victim = fresh('victim');
      const sockets = await onBothNodes(victim);
      const seen = sockets.map(recordAll);
      const before = await Promise.all([a, b].map((app) => outcomeCount(app, channel, outcome)));

      await publish(prefix, channel, build(victim));
      await barrier(prefix, victim, sockets);

      for (const [i, app] of [a, b].entries()) {
        await eventually(`${outcome} counted on node ${i === 0 ? 'A' : 'B'}`, () => outcomeCount(app, channel, outcome), (n) => n >= before[i] + 1);
      }
      expect(await Promise.all([a, b].map((app) => outcomeCount(app, channel, outcome)))).toEqual(before.map((n) => n + 1));
      for (const events of seen) expect(events).toEqual([]);
      expect(sockets.every((s) => s.connected)).toBe(true);
      expect(await Promise.all([a, b].map(healthStatus))).toEqual(['healthy', 'healthy']);
      // The victim's session was not revoked either.
      await expect(connectUser(a.url, userToken(victim))).resolves.toBeDefined();
    });

    it('counts the valid barrier messages as applied on exactly one node each', async () => {
      const victim = fresh('applied');
      const sockets = await onBothNodes(victim);
      const count = (app: TestApp, outcome: string) => outcomeCount(app, 'emit', outcome);
      const before = await Promise.all([a, b].flatMap((app) => [count(app, 'applied'), count(app, 'duplicate')]));

      await barrier(prefix, victim, sockets);
      await barrier(prefix, victim, sockets);

      const after = await eventually(
        'both nodes to account for both messages',
        () => Promise.all([a, b].flatMap((app) => [count(app, 'applied'), count(app, 'duplicate')])),
        (n) => n[0] + n[1] - before[0] - before[1] === 2 && n[2] + n[3] - before[2] - before[3] === 2,
      );
      // Each message was applied by exactly one node: two applications in total.
      expect(after[0] - before[0] + after[2] - before[2]).toBe(2);
    });
  });
});

describe('control bus with CONTROL_ALLOW_PLAINTEXT=false', () => {
  let app: TestApp;
  let prefix: string;

  beforeAll(async () => {
    prefix = uniquePrefix('cbus-noplain');
    app = await startApp(redisAppEnv(prefix, { SECRET_KEY, SECRET_IV, CONTROL_ALLOW_PLAINTEXT: 'false' }));
  });
  afterAll(async () => {
    await app?.close();
  });

  it.each<[Channel, (u: string) => object]>([
    ['emit', (u) => ({ encrypted: false, userId: u, event: 'notification:new', payload: { plain: true } })],
    ['force-logout', (u) => ({ encrypted: false, userId: u, sessionId: 'other-session' })],
    ['kick', (u) => ({ encrypted: false, userId: u, reason: 'plain' })],
  ])('%s with encrypted:false is refused (plaintext_refused); encrypted messages still work', async (channel, build) => {
    const userId = fresh('noplain');
    const socket = await connectUser(app.url, userToken(userId));
    const seen = recordAll(socket);
    const before = await outcomeCount(app, channel, 'plaintext_refused');

    await publish(prefix, channel, build(userId));
    await barrier(prefix, userId, [socket], 'gcm');

    await eventually('plaintext_refused counted', () => outcomeCount(app, channel, 'plaintext_refused'), (n) => n === before + 1);
    expect(seen).toEqual([]);
    expect(socket.connected).toBe(true);
    expect(await healthStatus(app)).toBe('healthy');
  });
});

describe('control bus without SECRET_KEY', () => {
  let app: TestApp;
  let prefix: string;

  beforeAll(async () => {
    prefix = uniquePrefix('cbus-nokey');
    app = await startApp(redisAppEnv(prefix));
  });
  afterAll(async () => {
    await app?.close();
  });

  it.each<[string, Channel, (u: string) => object]>([
    ['emit, GCM', 'emit', (u) => message('gcm', { userId: u, event: 'notification:new', payload: { x: 1 } })],
    ['emit, legacy CBC', 'emit', (u) => message('cbc', { userId: u, event: 'notification:new', payload: { x: 1 } })],
    ['emit, encrypted omitted with plain fields', 'emit', (u) => ({ userId: u, event: 'notification:new', payload: { x: 1 } })],
    ['force-logout, GCM', 'force-logout', (u) => message('gcm', { userId: u, sessionId: 'other-session' })],
    ['kick, GCM', 'kick', (u) => message('gcm', { userId: u })],
  ])('%s is rejected (no_key), never decrypted; plaintext messages still work', async (_label, channel, build) => {
    const userId = fresh('nokey');
    const socket = await connectUser(app.url, userToken(userId));
    const seen = recordAll(socket);
    const before = await outcomeCount(app, channel, 'no_key');

    await publish(prefix, channel, build(userId));
    await barrier(prefix, userId, [socket], 'plain');

    await eventually('no_key counted', () => outcomeCount(app, channel, 'no_key'), (n) => n === before + 1);
    expect(seen).toEqual([]);
    expect(socket.connected).toBe(true);
    expect(await healthStatus(app)).toBe('healthy');
  });
});
