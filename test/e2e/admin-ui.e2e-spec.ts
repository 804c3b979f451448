import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import request from 'supertest';
import { ADMIN_LOGIN_LIMIT } from '../../src/admin-ui/admin-ui.js';
import { loadConfig } from '../../src/config/load-config.js';
import { type TestApp, TEST_INTERNAL_SECRET, TEST_JWT_SECRET, startApp, uniquePrefix, userToken, redisEnv } from '../support/app.js';
import { type ClientSocket, type ConnectErrorLike, closeAllClients, connectUser, createClient, disconnected, firstOf, nextEvent } from '../support/client.js';
import { assertBuilt, exitOf, freshDir, killAllGateways, ROOT, spawnGateway, startGateway } from '../support/node-process.js';
import { freePort } from '../support/redis-server.js';

// Issue 11 item 4: the official Socket.IO Admin UI behind ADMIN_UI=true, with its own bcrypt
// credentials, on the internal port when INTERNAL_PORT is set, absent and not even loaded when off.

const USERNAME = 'operator';
const PASSWORD = 'operator-password-0123';
// Cost 4 keeps the tests fast; the CLI makes cost-12 hashes.
const HASH = bcrypt.hashSync(PASSWORD, 4);
const ADMIN_ENV = { ADMIN_UI: 'true', ADMIN_UI_USERNAME: USERNAME, ADMIN_UI_PASSWORD_HASH: HASH };
const RIGHT = { username: USERNAME, password: PASSWORD };

interface SerializedSocket {
  id: string;
  nsp: string;
  rooms: string[];
  data: Record<string, unknown>;
}

interface AdminConfig {
  supportedFeatures: string[];
}

let seq = 0;
const fresh = (label: string) => `${label}-${process.pid}-${++seq}`;

/** Opens the admin namespace; the listeners for what the UI receives on connect are in place before it does. */
async function openAdmin(baseUrl: string, auth: Record<string, string>) {
  const socket = createClient(`${baseUrl}/admin`, { auth });
  const received = new Map<string, unknown[]>();
  socket.onAny((event: string, ...args: unknown[]) => {
    if (!received.has(event)) received.set(event, args);
  });
  const { event, payload } = await firstOf<ConnectErrorLike>(socket, ['connect', 'connect_error']);
  return { socket, connected: event === 'connect', error: event === 'connect_error' ? payload : undefined, received };
}

async function adminRefusal(baseUrl: string, auth: Record<string, string>): Promise<ConnectErrorLike> {
  const attempt = await openAdmin(baseUrl, auth);
  attempt.socket.close();
  if (attempt.connected) throw new Error('expected connect_error on /admin but the socket connected');
  return attempt.error!;
}

/** Connects with `auth` and resolves with the event the UI gets first of `event`, after connect. */
async function adminReceives<T>(baseUrl: string, auth: Record<string, string>, event: string, timeoutMs = 5000): Promise<{ socket: ClientSocket; payload: T }> {
  const socket = createClient(`${baseUrl}/admin`, { auth });
  const payload = nextEvent<T>(socket, event, timeoutMs);
  const refused = nextEvent<ConnectErrorLike>(socket, 'connect_error', timeoutMs).then(
    (err) => Promise.reject(new Error(`admin connect_error ${err.message}`)),
    () => new Promise<never>(() => undefined),
  );
  return { socket, payload: await Promise.race([payload, refused]) };
}

afterEach(() => closeAllClients());

describe('ADMIN_UI off (the default)', () => {
  let sut: TestApp;
  beforeAll(async () => {
    sut = await startApp();
  });
  afterAll(() => sut.close());

  it('has no /admin namespace: the right credentials get "Invalid namespace"', async () => {
    const err = await adminRefusal(sut.url, RIGHT);
    expect(err.message).toBe('Invalid namespace');
  });

  it('serves no /admin-ui page', async () => {
    await request(sut.url).get('/admin-ui/').expect(404);
    await request(sut.url).get('/admin-ui/index.html').expect(404);
  });
});

describe('ADMIN_UI=true without ADMIN_UI_MODE (NODE_ENV unset)', () => {
  let sut: TestApp;
  beforeAll(async () => {
    sut = await startApp(ADMIN_ENV);
  });
  afterAll(() => sut.close());

  it('defaults to production: aggregated figures only, no socket list, no events', async () => {
    const user = await connectUser(sut.url, userToken(fresh('quiet')));
    const admin = await openAdmin(sut.url, RIGHT);
    const { payload: config } = await adminReceives<AdminConfig>(sut.url, RIGHT, 'config');
    expect(config.supportedFeatures).toContain('AGGREGATED_EVENTS');
    expect(config.supportedFeatures).not.toContain('ALL_EVENTS');
    await nextEvent(admin.socket, 'server_stats');
    await user.timeout(5000).emitWithAck('presence:update', { status: 'away' });
    await nextEvent(admin.socket, 'server_stats');
    expect([...admin.received.keys()].filter((e) => ['all_sockets', 'socket_connected', 'event_received', 'event_sent'].includes(e))).toEqual([]);
  });
});

describe('ADMIN_UI=true (memory engine, ADMIN_UI_MODE=development)', () => {
  let sut: TestApp;
  beforeAll(async () => {
    sut = await startApp({ ...ADMIN_ENV, ADMIN_UI_MODE: 'development' });
  });
  afterAll(() => sut.close());

  it.each<[string, Record<string, string>]>([
    ['a wrong password', { username: USERNAME, password: 'wrong-password-0123' }],
    ['a wrong username', { username: 'intruder', password: PASSWORD }],
    ['the hash itself as the password', { username: USERNAME, password: HASH }],
    ['no credentials', {}],
  ])('refuses %s with connect_error "invalid credentials"', async (_label, auth) => {
    const err = await adminRefusal(sut.url, auth);
    expect(err.message).toBe('invalid credentials');
  });

  it('with the right credentials lists the gateway\'s sockets, the user socket among them', async () => {
    const userId = fresh('listed');
    const user = await connectUser(sut.url, userToken(userId));
    const { socket: admin, payload: sockets } = await adminReceives<SerializedSocket[]>(sut.url, RIGHT, 'all_sockets');
    const listed = sockets.find((s) => s.id === user.id);
    expect(listed).toMatchObject({ nsp: '/', data: expect.objectContaining({ userId }) });
    expect(listed!.rooms).toEqual(expect.arrayContaining([user.id]));
    expect(sockets.find((s) => s.id === admin.id)).toMatchObject({ nsp: '/admin' });
  });

  it('is read-only by default and reports every event in development mode', async () => {
    const { payload: config } = await adminReceives<AdminConfig>(sut.url, RIGHT, 'config');
    expect(config.supportedFeatures).toEqual(expect.arrayContaining(['AGGREGATED_EVENTS', 'ALL_EVENTS']));
    for (const feature of ['EMIT', 'JOIN', 'LEAVE', 'DISCONNECT']) expect(config.supportedFeatures).not.toContain(feature);
  });

  it('sees sockets connect live, and user sockets keep working while instrumented', async () => {
    const { socket: admin } = await adminReceives(sut.url, RIGHT, 'all_sockets');
    const connectedLive = nextEvent<SerializedSocket>(admin, 'socket_connected');
    const userId = fresh('live');
    const user = await connectUser(sut.url, userToken(userId));
    expect((await connectedLive).id).toBe(user.id);
    // The UI wraps socket.data in a Proxy: identity, emits and acks must still work.
    const pushed = nextEvent(user, 'notification:new');
    await request(sut.url)
      .post('/internal/emit')
      .set('Authorization', `Bearer ${TEST_INTERNAL_SECRET}`)
      .send({ userId, event: 'notification:new', payload: { n: 1 } })
      .expect(200);
    expect(await pushed).toEqual({ n: 1 });
    const ack = (await user.timeout(5000).emitWithAck('notification:get-pending', {})) as { ok: boolean; data: { notifications: unknown[] } };
    expect(ack).toMatchObject({ ok: true, data: { notifications: [] } });
  });

  it('never sends the UI a token: not the handshake\'s (auth, header, query), not one inside an event; other payloads still show', async () => {
    // One password login (they are rate limited per IP); the second UI reconnects with its session id.
    const { socket: admin, payload: sessionId } = await adminReceives<string>(sut.url, RIGHT, 'session');
    const seen: string[] = [];
    admin.onAny((event: string, ...args: unknown[]) => seen.push(`${event} ${JSON.stringify(args)}`));
    const userId = fresh('secretive');
    const token = userToken(userId);
    const refreshToken = userToken(userId, `s-${userId}`, { purpose: 'refresh' });
    const connectedLive = nextEvent<SerializedSocket>(admin, 'socket_connected');
    const user = await connectUser(sut.url, token, { extraHeaders: { Authorization: `Bearer ${token}` }, query: { token } });
    await connectedLive;
    await user.timeout(5000).emitWithAck('auth:refresh', { token: refreshToken });
    const marker = `visible-${userId}`;
    await user.timeout(5000).emitWithAck('presence:update', { status: 'away', customStatus: marker });
    // The socket list as a freshly connected UI gets it, the live user among it.
    const { payload: sockets } = await adminReceives<SerializedSocket[]>(sut.url, { sessionId }, 'all_sockets');
    expect(sockets.some((s) => s.id === user.id)).toBe(true);
    seen.push(JSON.stringify(sockets));
    await nextEvent(admin, 'server_stats');

    const everything = seen.join('\n');
    expect(everything).toContain(marker);
    for (const secret of [token, refreshToken]) expect(everything).not.toContain(secret.split('.')[2]);
  });

  it('hands out a session id that reconnects without the password', async () => {
    const { socket: first, payload: sessionId } = await adminReceives<string>(sut.url, RIGHT, 'session');
    first.close();
    expect(sessionId).toMatch(/^[0-9a-f]{16}$/);
    const again = await openAdmin(sut.url, { sessionId });
    expect(again.connected).toBe(true);
    const unknown = await adminRefusal(sut.url, { sessionId: '0123456789abcdef' });
    expect(unknown.message).toBe('invalid credentials');
  });

  it('serves the UI page from the package at /admin-ui/, nothing else below it', async () => {
    const redirect = await request(sut.url).get('/admin-ui').expect(301);
    expect(redirect.headers.location).toBe('/admin-ui/');
    const page = await request(sut.url).get('/admin-ui/').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<title>Socket.IO Admin UI</title>');
    const assets = [...page.text.matchAll(/(?:href|src)="((?:js|css)\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) {
      const res = await request(sut.url).get(`/admin-ui/${asset}`).expect(200);
      expect(res.headers['content-type']).toMatch(asset.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
    }
    const script = assets.find((a) => a.endsWith('.js'))!;
    await request(sut.url).get(`/admin-ui/${script}.map`).expect(404);
    for (const path of ['/admin-ui/../package.json', '/admin-ui/%2e%2e/package.json', '/admin-ui/..%2fpackage.json', '/admin-ui/nope.html']) {
      const res = await request(sut.url).get(path);
      expect(res.status).toBe(404);
    }
  });

  it('keeps the password hash out of /health', async () => {
    const res = await request(sut.url).get('/health').expect(200);
    expect(res.text).not.toContain(HASH);
    expect(res.text).not.toContain(HASH.slice(7));
  });
});

describe('ADMIN_UI login rate limit', () => {
  let sut: TestApp;
  beforeAll(async () => {
    sut = await startApp(ADMIN_ENV);
  });
  afterAll(() => sut.close());

  it(`refuses logins past ${ADMIN_LOGIN_LIMIT} attempts per IP with RATE_LIMITED; a live session id still reconnects`, async () => {
    const { socket, payload: sessionId } = await adminReceives<string>(sut.url, RIGHT, 'session');
    socket.close();
    for (let i = 1; i < ADMIN_LOGIN_LIMIT; i++) {
      expect((await adminRefusal(sut.url, { username: USERNAME, password: `wrong-${i}` })).message).toBe('invalid credentials');
    }
    const limited = await adminRefusal(sut.url, RIGHT);
    expect(limited.message).toBe('RATE_LIMITED');
    expect(limited.data).toMatchObject({ code: 'RATE_LIMITED' });
    expect((await openAdmin(sut.url, { sessionId })).connected).toBe(true);
    const metrics = await request(sut.url).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/gateway_rate_limit_rejections_total\{scope="admin_login"\} 1/);
  });
});

describe('ADMIN_UI with INTERNAL_PORT', () => {
  let sut: TestApp;
  beforeAll(async () => {
    sut = await startApp({ ...ADMIN_ENV, ADMIN_UI_MODE: 'development', INTERNAL_PORT: '0' });
  });
  afterAll(() => sut.close());

  it('is absent on the public port: "Invalid namespace" and no page, even with the right credentials', async () => {
    expect((await adminRefusal(sut.url, RIGHT)).message).toBe('Invalid namespace');
    await request(sut.url).get('/admin-ui/').expect(404);
  });

  it('serves the namespace and the page on the internal port, listing sockets of the public port', async () => {
    const user = await connectUser(sut.url, userToken(fresh('split')));
    const { payload: sockets } = await adminReceives<SerializedSocket[]>(sut.internalUrl!, RIGHT, 'all_sockets');
    expect(sockets.map((s) => s.id)).toContain(user.id);
    const page = await request(sut.internalUrl!).get('/admin-ui/').expect(200);
    expect(page.text).toContain('Socket.IO Admin UI');
  });
});

describe('ADMIN_UI_MODE=production, ADMIN_UI_READONLY=false', () => {
  let sut: TestApp;
  beforeAll(async () => {
    sut = await startApp({ ...ADMIN_ENV, ADMIN_UI_MODE: 'production', ADMIN_UI_READONLY: 'false' });
  });
  afterAll(() => sut.close());

  it('reports aggregated figures (sockets per namespace) and lets the operator disconnect a socket', async () => {
    const user = await connectUser(sut.url, userToken(fresh('prod')));
    const { socket: admin, payload: config } = await adminReceives<AdminConfig>(sut.url, RIGHT, 'config');
    expect(config.supportedFeatures).toEqual(expect.arrayContaining(['AGGREGATED_EVENTS', 'DISCONNECT']));
    expect(config.supportedFeatures).not.toContain('ALL_EVENTS');
    // The stats go out every 2 s.
    const stats = await nextEvent<{ namespaces: Array<{ name: string; socketsCount: number }> }>(admin, 'server_stats', 10_000);
    expect(stats.namespaces.find((n) => n.name === '/')?.socketsCount).toBeGreaterThanOrEqual(1);
    const gone = disconnected(user);
    admin.emit('_disconnect', '/', false, user.id);
    expect(await gone).toBe('io server disconnect');
  });
});

describe('ADMIN_UI with the Redis engine on two nodes', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const prefix = uniquePrefix('admin');
    a = await startApp({ ...ADMIN_ENV, ADMIN_UI_MODE: 'development', ...redisEnv(prefix) });
    b = await startApp({ ...ADMIN_ENV, ADMIN_UI_MODE: 'development', ...redisEnv(prefix) });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('the UI on one node lists a user socket on the other', async () => {
    const user = await connectUser(b.url, userToken(fresh('remote')));
    const { payload: sockets } = await adminReceives<SerializedSocket[]>(a.url, RIGHT, 'all_sockets', 15_000);
    expect(sockets.find((s) => s.id === user.id)).toMatchObject({ nsp: '/' });
  });
});

describe('as a process', () => {
  beforeAll(() => assertBuilt());
  afterEach(async () => {
    closeAllClients();
    await killAllGateways();
  });

  it.each<[string, Record<string, string>, string]>([
    ['without a password hash', { ADMIN_UI: 'true', ADMIN_UI_USERNAME: USERNAME }, 'ADMIN_UI_PASSWORD_HASH is required when ADMIN_UI=true'],
    ['without a username', { ADMIN_UI: 'true', ADMIN_UI_PASSWORD_HASH: HASH }, 'ADMIN_UI_USERNAME is required when ADMIN_UI=true'],
    ['with a password in place of the hash', { ...ADMIN_ENV, ADMIN_UI_PASSWORD_HASH: PASSWORD }, 'ADMIN_UI_PASSWORD_HASH must be a bcrypt hash'],
  ])('ADMIN_UI=true %s: exits 1 with one line naming the variable', async (_label, env, message) => {
    const gw = await spawnGateway({ PORT: String(await freePort()), HOST: '127.0.0.1', JWT_SECRET: TEST_JWT_SECRET, ...env });
    expect((await exitOf(gw)).code).toBe(1);
    const lines = gw.stderr().split('\n').filter((l) => l.trim() !== '');
    expect(lines).toEqual([expect.stringContaining(`Invalid configuration: ${message}`)]);
    expect(gw.stderr()).not.toContain(PASSWORD);
  });

  /** Runs a gateway whose exit prints the loaded CommonJS files of the Admin UI package. */
  async function loadedAdminFiles(env: Record<string, string>): Promise<{ files: string[]; output: string }> {
    const cwd = await freshDir();
    const probe = join(cwd, 'probe.mjs');
    await writeFile(
      probe,
      [
        "import { writeSync } from 'node:fs';",
        "import { createRequire } from 'node:module';",
        'const cache = createRequire(import.meta.url).cache;',
        "process.on('exit', () => writeSync(1, `PROBE ${JSON.stringify(Object.keys(cache).filter((f) => f.includes('@socket.io/admin-ui')))}\\n`));",
      ].join('\n'),
    );
    const gw = await startGateway(
      { PORT: String(await freePort()), HOST: '127.0.0.1', JWT_SECRET: TEST_JWT_SECRET, SHUTDOWN_DRAIN_DELAY_MS: '0', NODE_OPTIONS: `--import=${probe}`, ...env },
      cwd,
    );
    gw.child.kill('SIGTERM');
    expect((await exitOf(gw)).code).toBe(0);
    const line = gw.stdout().split('\n').find((l) => l.startsWith('PROBE '));
    if (!line) throw new Error(`no probe output; stdout: ${gw.stdout()}`);
    return { files: JSON.parse(line.slice('PROBE '.length)) as string[], output: gw.stdout() + gw.stderr() };
  }

  it('does not load the package with ADMIN_UI off, and does with it on', async () => {
    expect((await loadedAdminFiles({})).files).toEqual([]);
    expect((await loadedAdminFiles(ADMIN_ENV)).files).toEqual(expect.arrayContaining([expect.stringContaining('admin-ui/dist/index.js')]));
  });

  it('never logs the password hash, even with LOG_LEVEL=debug and the package\'s DEBUG output on', async () => {
    const { output } = await loadedAdminFiles({ ...ADMIN_ENV, LOG_LEVEL: 'debug', DEBUG: 'socket.io-admin' });
    expect(output).toContain('basic authentication is enabled'); // the package's debug output was on
    expect(output).toContain('[redacted]');
    expect(output).not.toContain(HASH);
    expect(output).not.toContain(HASH.slice(7));
  });

  it('npm run admin-ui:hash turns a password on stdin into a hash the gateway accepts', async () => {
    const cli = join(ROOT, 'dist/cli/admin-ui-hash.js');
    const made = spawnSync(process.execPath, [cli, '--cost', '10'], { input: `${PASSWORD}\n`, encoding: 'utf8' });
    expect(made.status).toBe(0);
    const hash = made.stdout.trim();
    expect(await bcrypt.compare(PASSWORD, hash)).toBe(true);
    expect(loadConfig({ JWT_SECRET: TEST_JWT_SECRET, ...ADMIN_ENV, ADMIN_UI_PASSWORD_HASH: hash }).adminUi?.passwordHash).toBe(hash);
    const refused = spawnSync(process.execPath, [cli], { input: 'short\n', encoding: 'utf8' });
    expect(refused.status).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe('admin-ui:hash: the password needs at least 12 characters\n');
  });

  it('npm run admin-ui:hash refuses two lines on stdin instead of hashing them as one password', async () => {
    const cli = join(ROOT, 'dist/cli/admin-ui-hash.js');
    for (const input of [`${PASSWORD}\n${PASSWORD}\n`, `${PASSWORD}\n${PASSWORD}`, `${PASSWORD}\r\n${PASSWORD}\r\n`]) {
      const refused = spawnSync(process.execPath, [cli, '--cost', '10'], { input, encoding: 'utf8' });
      expect(refused.status).toBe(2);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toMatch(/^admin-ui:hash: stdin has more than one line/);
    }
    const crlf = spawnSync(process.execPath, [cli, '--cost', '10'], { input: `${PASSWORD}\r\n`, encoding: 'utf8' });
    expect(crlf.status).toBe(0);
    expect(await bcrypt.compare(PASSWORD, crlf.stdout.trim())).toBe(true);
  });
});
