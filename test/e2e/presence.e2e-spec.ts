import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ClientSocket, closeAllClients, collect, connectUser, nextEvent, roundTrip, ack, ackData, nextMatching } from '../support/client.js';
import { type TestApp, TEST_INTERNAL_SECRET, TEST_JWT_SECRET, redisEnv, startApp, uniquePrefix, userToken, fresh } from '../support/app.js';
import { befriend, internal, presenceOf, setMembers } from '../support/backend.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/redis-server.js';
import type { PresenceStatus, PresenceUpdate, PresenceView } from '../../src/socket/events.js';

// docs/protocol.md §4.2 (presence), the visibility rules of §4.3 (friends, chat co-members) and
// GET /internal/presence of §6.1, on two nodes sharing one Redis, plus a node that dies
// without cleaning up (a real `node dist/main.js` killed with SIGKILL), plus the memory engine.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = join(ROOT, 'dist/main.js');

type Status = PresenceStatus;
const sorted = (xs: string[]) => [...xs].sort();

function connect(url: string, userId: string, extra: Record<string, unknown> = {}): Promise<ClientSocket> {
  // One session per user (SESSION_POLICY single): every tab of a user carries the same session id.
  return connectUser(url, userToken(userId, `s-${userId}`, extra));
}

async function expectValidationFailed(socket: ClientSocket, event: string, payload: unknown): Promise<void> {
  const res = await ack(socket, event, payload);
  expect(res).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
}

/** The next `presence:update` about `userId` (optionally with `status`); others are ignored. */
function updateOf(socket: ClientSocket, userId: string, status?: Status, timeoutMs = 5000): Promise<PresenceUpdate> {
  return nextMatching<PresenceUpdate>(socket, 'presence:update', (u) => u.userId === userId && (status === undefined || u.status === status), timeoutMs);
}

/** Every page of get_all_online_users, following the cursor until '0'. */
async function allOnline(socket: ClientSocket, limit: number): Promise<string[]> {
  const users: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const res = await ackData<{ users: string[]; cursor: string }>(socket, 'get_all_online_users', cursor === undefined ? { limit } : { cursor, limit });
    users.push(...res.users);
    cursor = res.cursor;
    if (cursor === '0') return [...new Set(users)];
  }
  throw new Error('get_all_online_users never returned cursor "0"');
}

function expectIsoBetween(value: string | null, from: number, to: number): void {
  expect(typeof value).toBe('string');
  const t = Date.parse(value as string);
  expect(new Date(t).toISOString()).toBe(value);
  expect(t).toBeGreaterThanOrEqual(from - 5);
  expect(t).toBeLessThanOrEqual(to + 5);
}

const forUser = (seen: PresenceUpdate[], userId: string) => seen.filter((u) => u.userId === userId);

describe('presence on two nodes (Redis engine)', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    const env = redisEnv(uniquePrefix('presence'));
    a = await startApp(env);
    b = await startApp(env);
  });
  afterEach(() => closeAllClients());
  afterAll(async () => {
    closeAllClients();
    await Promise.all([a?.close(), b?.close()]);
  });

  it('goes online with the first socket, stays online while any tab on any node is, and offline with the last', async () => {
    const [w, u] = [fresh('watcher'), fresh('user')];
    await befriend(a, w, u);
    const watcher = await connect(a.url, w);
    const seen = collect<PresenceUpdate>(watcher, 'presence:update');

    // First socket (node B): the online friend on node A hears it.
    const online = updateOf(watcher, u);
    const tab1 = await connect(b.url, u);
    await expect(online).resolves.toEqual({ userId: u, status: 'online', customStatus: null, lastSeen: null });

    // Second tab on node A, the watcher's node: a broadcast would be emitted locally before the tab's
    // `connected`, so one round trip on the watcher's socket proves nothing new was sent.
    const tab2 = await connect(a.url, u);
    await roundTrip(watcher);
    expect(forUser(seen, u)).toHaveLength(1);
    expect((await presenceOf(a, [u]))[0]).toMatchObject({ status: 'online', devices: 2 });

    // Closing one of the two tabs (node A) keeps the user online.
    tab2.close();
    await eventually('one device left', () => presenceOf(b, [u]), (users) => users[0].devices === 1);
    // Barrier: a status change from the tab on node B travels B → Redis → A, well behind any
    // (wrong) offline broadcast node A would have emitted locally for the closed tab.
    const busy = updateOf(watcher, u, 'busy');
    await ackData(tab1, 'presence:update', { status: 'busy' });
    await busy;
    await roundTrip(watcher);
    expect(forUser(seen, u).map((x) => x.status)).toEqual(['online', 'busy']);
    expect((await presenceOf(a, [u]))[0]).toMatchObject({ status: 'busy', devices: 1, lastSeen: null });

    // Closing the last tab (node B): offline, with the time it left.
    const before = Date.now();
    const offline = updateOf(watcher, u);
    tab1.close();
    const gone = await offline;
    const after = Date.now();
    expect(gone).toMatchObject({ userId: u, status: 'offline' });
    expectIsoBetween(gone.lastSeen, before, after);
    expect((await presenceOf(a, [u]))[0]).toEqual({ userId: u, status: 'offline', customStatus: null, lastSeen: gone.lastSeen, devices: 0 });
    await roundTrip(watcher);
    expect(forUser(seen, u).map((x) => x.status)).toEqual(['online', 'busy', 'offline']);
  });

  it('presence:update sets status and customStatus, acks the new presence and reaches watchers on the other node', async () => {
    const [w, u] = [fresh('watcher'), fresh('user')];
    await befriend(a, w, u);
    const watcher = await connect(b.url, w);
    const online = updateOf(watcher, u, 'online');
    const user = await connect(a.url, u);
    await online;

    const away = updateOf(watcher, u);
    await expect(ack(user, 'presence:update', { status: 'away', customStatus: 'at lunch' })).resolves.toEqual({
      ok: true,
      data: { userId: u, status: 'away', customStatus: 'at lunch', lastSeen: null },
    });
    await expect(away).resolves.toEqual({ userId: u, status: 'away', customStatus: 'at lunch', lastSeen: null });

    // Without customStatus it is cleared.
    const busy = updateOf(watcher, u);
    await expect(ackData(user, 'presence:update', { status: 'busy' })).resolves.toEqual({ userId: u, status: 'busy', customStatus: null, lastSeen: null });
    await expect(busy).resolves.toEqual({ userId: u, status: 'busy', customStatus: null, lastSeen: null });

    // 140 characters is the most a custom status may have.
    const max = 'é'.repeat(140);
    const maxed = updateOf(watcher, u);
    await expect(ackData(user, 'presence:update', { status: 'online', customStatus: max })).resolves.toMatchObject({ customStatus: max });
    await expect(maxed).resolves.toMatchObject({ status: 'online', customStatus: max });

    // Appear offline: watchers see offline while the user stays connected.
    const hidden = updateOf(watcher, u);
    await expect(ackData(user, 'presence:update', { status: 'offline' })).resolves.toMatchObject({ userId: u, status: 'offline' });
    await expect(hidden).resolves.toMatchObject({ userId: u, status: 'offline' });
    expect(user.connected).toBe(true);
    expect((await presenceOf(a, [u]))[0]).toMatchObject({ status: 'offline', devices: 1 });
    await expect(ackData(watcher, 'get_online_users', {})).resolves.toEqual({ users: [] });
    await expect(ackData(watcher, 'get_detailed_online_users', {})).resolves.toEqual({ users: [] });
    await expect(allOnline(watcher, 1000)).resolves.not.toContain(u);

    // Invalid payloads change nothing and reach nobody.
    const seen = collect<PresenceUpdate>(watcher, 'presence:update');
    await expectValidationFailed(user, 'presence:update', { status: 'invisible' });
    await expectValidationFailed(user, 'presence:update', { status: 'away', customStatus: 'x'.repeat(141) });
    await expectValidationFailed(user, 'presence:update', { status: 'away', customStatus: 42 });
    await expectValidationFailed(user, 'presence:update', {});
    expect((await presenceOf(a, [u]))[0]).toMatchObject({ status: 'offline', devices: 1 });

    // Back online: the next (and only) update the watcher sees is this one.
    const back = updateOf(watcher, u);
    await ackData(user, 'presence:update', { status: 'online', customStatus: 'back' });
    await expect(back).resolves.toEqual({ userId: u, status: 'online', customStatus: 'back', lastSeen: null });
    await roundTrip(watcher);
    expect(seen).toEqual([{ userId: u, status: 'online', customStatus: 'back', lastSeen: null }]);
    await expect(ackData(watcher, 'get_online_users', {})).resolves.toEqual({ users: [u] });
  });

  it('members of a shared chat watch each other like friends', async () => {
    const [m, u, chatId] = [fresh('member'), fresh('user'), fresh('chat')];
    await setMembers(a, chatId, [m, u]);
    const member = await connect(b.url, m);

    const online = updateOf(member, u);
    const user = await connect(a.url, u);
    await expect(online).resolves.toEqual({ userId: u, status: 'online', customStatus: null, lastSeen: null });

    // get_online_users lists friends only (docs/protocol.md §4.2); co-members see presence everywhere else.
    await expect(ackData(member, 'get_online_users', {})).resolves.toEqual({ users: [] });
    await expect(ackData<{ users: PresenceView[] }>(member, 'get_detailed_online_users', {})).resolves.toEqual({ users: [] });
    await expect(ackData<{ users: PresenceUpdate[] }>(member, 'presence:subscribe', { userIds: [u] })).resolves.toEqual({
      users: [{ userId: u, status: 'online', customStatus: null, lastSeen: null }],
    });

    const away = updateOf(member, u);
    await ackData(user, 'presence:update', { status: 'away', customStatus: 'meeting' });
    await expect(away).resolves.toMatchObject({ userId: u, status: 'away', customStatus: 'meeting' });

    const offline = updateOf(member, u);
    user.close();
    await expect(offline).resolves.toMatchObject({ userId: u, status: 'offline' });
    await expect(ackData(member, 'get_online_users', {})).resolves.toEqual({ users: [] });
  });

  it('strangers learn nothing: no updates, not in subscribe acks, not in any online list', async () => {
    const [s, f, w, u, admin, chatId] = [fresh('stranger'), fresh('friend'), fresh('watcher'), fresh('user'), fresh('admin'), fresh('chat')];
    await befriend(a, s, f);
    await befriend(a, u, w);
    await setMembers(a, chatId, [u, w]);

    // The stranger is on node A, where the user connects: any broadcast reaching the stranger
    // would be emitted locally by A, so a round trip on the stranger's socket is a full barrier.
    const stranger = await connect(a.url, s);
    const strangerSeen = collect<PresenceUpdate>(stranger, 'presence:update');
    // The stranger does hear their own friend (the channel works).
    const friendOnline = updateOf(stranger, f);
    await connect(b.url, f);
    await friendOnline;

    const watcher = await connect(b.url, w);
    const online = updateOf(watcher, u);
    const user = await connect(a.url, u);
    await online;

    // presence:subscribe: only those the caller may see (their friend and themselves).
    const sub = await ackData<{ users: PresenceUpdate[] }>(stranger, 'presence:subscribe', { userIds: [u, w, f, s] });
    expect(sorted(sub.users.map((x) => x.userId))).toEqual(sorted([f, s]));
    expect(sub.users.find((x) => x.userId === f)).toEqual({ userId: f, status: 'online', customStatus: null, lastSeen: null });
    await expect(ackData(stranger, 'presence:subscribe', { userIds: [u] })).resolves.toEqual({ users: [] });

    // Online lists: the caller's circle only.
    await expect(ackData(stranger, 'get_online_users', {})).resolves.toEqual({ users: [f] });
    await expect(ackData(stranger, 'get_detailed_online_users', {})).resolves.toEqual({
      users: [{ userId: f, status: 'online', customStatus: null, lastSeen: null, devices: 1 }],
    });
    const strangerAll = await allOnline(stranger, 2);
    expect(strangerAll).toEqual(expect.arrayContaining([f, s]));
    expect(strangerAll).not.toContain(u);
    expect(strangerAll).not.toContain(w);
    const watcherAll = await allOnline(watcher, 1);
    expect(watcherAll).toEqual(expect.arrayContaining([u, w]));
    expect(watcherAll).not.toContain(s);
    expect(watcherAll).not.toContain(f);
    await expect(ackData(watcher, 'get_online_users', {})).resolves.toEqual({ users: [u] });

    // An admin sees every online user, strangers or not, through every page.
    const adminSocket = await connect(b.url, admin, { roles: ['admin'] });
    expect(await allOnline(adminSocket, 2)).toEqual(expect.arrayContaining([s, f, w, u, admin]));
    // ...but an admin is no friend: the circle-based lists stay empty.
    await expect(ackData(adminSocket, 'get_online_users', {})).resolves.toEqual({ users: [] });

    // Status change and last disconnect: the watcher hears both, the stranger neither.
    const busy = updateOf(watcher, u, 'busy');
    await ackData(user, 'presence:update', { status: 'busy', customStatus: 'secret plans' });
    await busy;
    const offline = updateOf(watcher, u, 'offline');
    user.close();
    await offline;
    await roundTrip(stranger);
    expect(strangerSeen.map((x) => x.userId)).toEqual([f]);
    expect(strangerSeen.some((x) => x.userId === u || x.userId === w)).toBe(false);
  });

  it('presence:subscribe joins visible users’ presence rooms (once per socket); presence:unsubscribe leaves them', async () => {
    const [w, u] = [fresh('watcher'), fresh('user')];
    await befriend(a, w, u);
    const watcher = await connect(a.url, w);
    const watcherSeen = collect<PresenceUpdate>(watcher, 'presence:update');
    const online = updateOf(watcher, u);
    const tab1 = await connect(a.url, u);
    await online;
    const tab2 = await connect(b.url, u);
    const tab1Seen = collect<PresenceUpdate>(tab1, 'presence:update');

    // A user is always visible to themselves, not a watcher of themselves: subscribing is the only
    // way tab1 hears the user's own changes, so this shows the presence room was joined.
    await expect(ackData(tab1, 'presence:subscribe', { userIds: [u] })).resolves.toEqual({
      users: [{ userId: u, status: 'online', customStatus: null, lastSeen: null }],
    });
    // The friend, already a watcher, subscribes too: still one update per change.
    await ackData(watcher, 'presence:subscribe', { userIds: [u] });

    const ownAway = updateOf(tab1, u, 'away');
    const watcherAway = updateOf(watcher, u, 'away');
    await ackData(tab2, 'presence:update', { status: 'away' });
    await Promise.all([ownAway, watcherAway]);

    await expect(ack(tab1, 'presence:unsubscribe', { userIds: [u] })).resolves.toEqual({ ok: true, data: { userIds: [u] } });
    await expect(ack(watcher, 'presence:unsubscribe', { userIds: [u] })).resolves.toMatchObject({ ok: true });

    // tab2 (node B) changes status again: the update reaches node A once for all its sockets.
    const watcherBusy = updateOf(watcher, u, 'busy');
    await ackData(tab2, 'presence:update', { status: 'busy' });
    await watcherBusy;
    await roundTrip(tab1);
    await roundTrip(watcher);
    expect(tab1Seen.map((x) => x.status)).toEqual(['away']);
    // The friend still hears it after unsubscribing (friendship, not subscription), exactly once each.
    expect(forUser(watcherSeen, u).map((x) => x.status)).toEqual(['online', 'away', 'busy']);
  });

  it('validates subscribe and paging payloads', async () => {
    const u = fresh('user');
    const socket = await connect(a.url, u);
    await expectValidationFailed(socket, 'presence:subscribe', { userIds: [] });
    await expectValidationFailed(socket, 'presence:subscribe', { userIds: Array.from({ length: 501 }, (_, i) => `x${i}`) });
    await expectValidationFailed(socket, 'presence:subscribe', { userIds: ['x'.repeat(129)] });
    await expectValidationFailed(socket, 'presence:subscribe', {});
    await expectValidationFailed(socket, 'presence:unsubscribe', { userIds: [] });
    // 500 ids is allowed; none of these strangers is listed.
    await expect(ackData(socket, 'presence:subscribe', { userIds: Array.from({ length: 500 }, (_, i) => fresh(`n${i}`)) })).resolves.toEqual({ users: [] });

    await expectValidationFailed(socket, 'get_all_online_users', { limit: 0 });
    await expectValidationFailed(socket, 'get_all_online_users', { limit: 1001 });
    await expectValidationFailed(socket, 'get_all_online_users', { limit: 1.5 });
    await expectValidationFailed(socket, 'get_all_online_users', { cursor: 'abc' });
    await expect(ackData(socket, 'get_all_online_users', { limit: 1000 })).resolves.toMatchObject({ cursor: expect.any(String) });
    await expect(ackData(socket, 'get_all_online_users', { limit: 1 })).resolves.toMatchObject({ users: expect.any(Array) });
    expect(await allOnline(socket, 1000)).toContain(u);
  });

  it('GET /internal/presence shows anyone to a backend, with devices counted across nodes', async () => {
    const [u, never] = [fresh('user'), fresh('never')];
    await internal(a, 'get', `/presence?userIds=${u}`, undefined, null).expect(401);
    await internal(a, 'get', `/presence?userIds=${u}`, undefined, `${TEST_INTERNAL_SECRET}x`).expect(401);
    await internal(a, 'get', '/presence').expect(400);

    const onA = await connect(a.url, u);
    const onB = await connect(b.url, u);
    await ackData(onA, 'presence:update', { status: 'busy', customStatus: 'deploying' });

    const expected = [
      { userId: u, status: 'busy', customStatus: 'deploying', lastSeen: null, devices: 2 },
      { userId: never, status: 'offline', customStatus: null, lastSeen: null, devices: 0 },
    ];
    await expect(presenceOf(a, [u, never])).resolves.toEqual(expected);
    await expect(presenceOf(b, [u, never])).resolves.toEqual(expected);
    const repeated = await internal(b, 'get', `/presence?userIds=${u}&userIds=${never}`).expect(200);
    expect(repeated.body).toEqual({ ok: true, data: { users: expected } });

    onB.close();
    await eventually('one device left', () => presenceOf(a, [u]), (users) => users[0].devices === 1);
    expect((await presenceOf(a, [u]))[0]).toMatchObject({ status: 'busy', lastSeen: null });

    const before = Date.now();
    onA.close();
    const [gone] = await eventually('the user offline', () => presenceOf(b, [u]), (users) => users[0].lastSeen !== null);
    expect(gone).toMatchObject({ userId: u, status: 'offline', devices: 0 });
    expectIsoBetween(gone.lastSeen, before, Date.now());
  });
});

describe('a node that dies without cleaning up (Redis engine)', () => {
  const TTL_MS = 1500;
  const prefix = uniquePrefix('presence-crash');
  let a: TestApp | undefined;
  let child: ChildProcess | undefined;
  let exited: Promise<unknown> | undefined;
  let stderr = '';

  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first (npm test builds before testing)`);
  });
  afterAll(async () => {
    closeAllClients();
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await a?.close();
  });

  it('its users go offline within PRESENCE_NODE_TTL_MS, with presence:update, on the surviving node', async () => {
    const env = redisEnv(prefix);
    a = await startApp({ ...env, PRESENCE_NODE_TTL_MS: String(TTL_MS) });
    const port = await freePort();
    const nodeB = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(port),
        HOST: '127.0.0.1',
        REDIS_URL: env.REDIS_URL as string,
        SOCKET_CONTROL_PREFIX: env.SOCKET_CONTROL_PREFIX as string,
        JWT_SECRET: TEST_JWT_SECRET,
        PRESENCE_NODE_TTL_MS: String(TTL_MS),
        LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = nodeB;
    nodeB.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    exited = new Promise((done) => nodeB.once('close', done));
    const urlB = `http://127.0.0.1:${port}`;
    await eventually(
      'node B to be ready',
      async () => {
        if (nodeB.exitCode !== null) throw new Error(`node B exited ${nodeB.exitCode}: ${stderr}`);
        return (await fetch(`${urlB}/health/ready`)).status;
      },
      (s) => s === 200,
      { timeoutMs: 40_000, intervalMs: 50 },
    );

    // U is only on node B; V has a tab on each node. W (on A) is friends with both.
    const [w, u, v] = [fresh('watcher'), fresh('user'), fresh('both')];
    await internal(a, 'put', `/users/${w}/friends`, { friendIds: [u, v] }).expect(200);
    await internal(a, 'put', `/users/${u}/friends`, { friendIds: [w] }).expect(200);
    await internal(a, 'put', `/users/${v}/friends`, { friendIds: [w] }).expect(200);
    const watcher = await connect(a.url, w);
    const seen = collect<PresenceUpdate>(watcher, 'presence:update');
    const online = updateOf(watcher, u, 'online');
    const user = await connect(urlB, u);
    await online;
    const bothOnline = updateOf(watcher, v, 'online');
    await connect(urlB, v);
    await bothOnline;
    const vOnA = await connect(a.url, v);
    expect(await presenceOf(a, [u, v])).toEqual([
      expect.objectContaining({ status: 'online', devices: 1 }),
      expect.objectContaining({ status: 'online', devices: 2 }),
    ]);

    // No SIGTERM, no shutdown hooks: node B vanishes with U's socket still registered in Redis.
    const offline = updateOf(watcher, u, 'offline', 6000);
    const userDropped = nextEvent<string>(user, 'disconnect');
    const killedAt = Date.now();
    nodeB.kill('SIGKILL');
    await exited;
    await expect(userDropped).resolves.toBe('transport close');

    const update = await offline;
    expect(update).toMatchObject({ userId: u, status: 'offline', customStatus: null });
    expectIsoBetween(update.lastSeen, killedAt, Date.now());
    expect((await presenceOf(a, [u]))[0]).toEqual({ userId: u, status: 'offline', customStatus: null, lastSeen: update.lastSeen, devices: 0 });
    await expect(ackData(watcher, 'get_online_users', {})).resolves.toEqual({ users: [v] });
    expect(await allOnline(watcher, 1000)).not.toContain(u);
    expect(watcher.connected).toBe(true);

    // V still has a socket on the surviving node: swept down to one device, never offline.
    // Barrier: V's status change on A is emitted after the sweep that announced U has finished.
    const vBusy = updateOf(watcher, v, 'busy');
    await ackData(vOnA, 'presence:update', { status: 'busy' });
    await vBusy;
    await roundTrip(watcher);
    expect(forUser(seen, v).map((x) => x.status)).toEqual(['online', 'busy']);
    expect((await presenceOf(a, [v]))[0]).toEqual({ userId: v, status: 'busy', customStatus: null, lastSeen: null, devices: 1 });
  }, 60_000);
});

describe('presence on the memory engine', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startApp();
    expect(app.config.engine).toBe('memory');
  });
  afterAll(async () => {
    closeAllClients();
    await app?.close();
  });

  it('announces online, status changes and offline to friends', async () => {
    const [w, u, s] = [fresh('watcher'), fresh('user'), fresh('stranger')];
    await befriend(app, w, u);
    const watcher = await connect(app.url, w);
    const stranger = await connect(app.url, s);
    const strangerSeen = collect<PresenceUpdate>(stranger, 'presence:update');

    const online = updateOf(watcher, u);
    const user = await connect(app.url, u);
    await expect(online).resolves.toEqual({ userId: u, status: 'online', customStatus: null, lastSeen: null });
    await expect(ackData(watcher, 'get_online_users', {})).resolves.toEqual({ users: [u] });

    const away = updateOf(watcher, u);
    await expect(ackData(user, 'presence:update', { status: 'away', customStatus: 'brb' })).resolves.toEqual({
      userId: u,
      status: 'away',
      customStatus: 'brb',
      lastSeen: null,
    });
    await expect(away).resolves.toEqual({ userId: u, status: 'away', customStatus: 'brb', lastSeen: null });
    expect((await presenceOf(app, [u]))[0]).toEqual({ userId: u, status: 'away', customStatus: 'brb', lastSeen: null, devices: 1 });

    const before = Date.now();
    const offline = updateOf(watcher, u);
    user.close();
    const gone = await offline;
    expect(gone).toMatchObject({ userId: u, status: 'offline' });
    expectIsoBetween(gone.lastSeen, before, Date.now());
    expect((await presenceOf(app, [u]))[0]).toMatchObject({ status: 'offline', devices: 0, lastSeen: gone.lastSeen });

    await roundTrip(stranger);
    expect(strangerSeen).toEqual([]);
  });
});
