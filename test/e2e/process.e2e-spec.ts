import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TEST_JWT_SECRET, signToken } from '../support/app.js';
import { closeAllClients, connectUser, createClient, disconnected, firstOf, nextEvent } from '../support/client.js';
import { eventually } from '../support/eventually.js';
import {
  assertBuilt,
  exitOf,
  type Gateway,
  freshDir,
  httpStatus as status,
  killAllGateways,
  spawnGateway,
  startGateway,
  untilLive,
} from '../support/node-process.js';
import { freePort } from '../support/redis-server.js';

// docs/protocol.md §1 and §7 against the built entry point: `node dist/main.js` as a real process.

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

beforeAll(() => assertBuilt());

afterEach(async () => {
  closeAllClients();
  await killAllGateways();
});

describe('configuration errors', () => {
  it.each<[string, Record<string, string>, string]>([
    ['PORT=abc', { PORT: 'abc' }, 'PORT'],
    ['JWT_ALGORITHMS=none', { JWT_SECRET: 'some-secret-value-123', JWT_ALGORITHMS: 'none' }, 'JWT_ALGORITHMS'],
    ['NODE_ENV=production without JWT_SECRET', { NODE_ENV: 'production' }, 'JWT_SECRET'],
    ['REDIS_URL=http://x', { REDIS_URL: 'http://x' }, 'REDIS_URL'],
    ['RATE_LIMITS={bad', { RATE_LIMITS: '{bad' }, 'RATE_LIMITS'],
    ['INTERNAL_SERVICES=[1]', { INTERNAL_SERVICES: '[1]' }, 'INTERNAL_SERVICES'],
    ['SESSION_POLICY=both', { SESSION_POLICY: 'both' }, 'SESSION_POLICY'],
    ['GC_HELPER_THREADS=2', { GC_HELPER_THREADS: '2' }, 'GC_HELPER_THREADS'],
  ])('%s: exits 1 with one stderr line naming the variable', async (_label, env, variable) => {
    const port = String(await freePort());
    const gw = await spawnGateway({ PORT: port, HOST: '127.0.0.1', ...env });

    const { code } = await exitOf(gw);

    expect(code).toBe(1);
    const errLines = lines(gw.stderr());
    expect(errLines).toHaveLength(1);
    expect(errLines[0]).toContain(variable);
    expect(gw.stdout()).toBe('');
  });
});

describe('.env file', () => {
  it('is read from the working directory', async () => {
    const port = await freePort();
    const cwd = await freshDir();
    await writeFile(join(cwd, '.env'), `PORT=${port}\nHOST=127.0.0.1\nJWT_SECRET=dotenv-secret-0123456789\n`);

    const gw = await spawnGateway({}, cwd);

    await untilLive(gw, port);
    expect(gw.stdout()).not.toContain('development mode');
  });

  it('loses to a real environment variable', async () => {
    const dotenvPort = await freePort();
    const realPort = await freePort();
    const cwd = await freshDir();
    await writeFile(join(cwd, '.env'), `PORT=${dotenvPort}\nHOST=127.0.0.1\nJWT_SECRET=dotenv-secret-0123456789\n`);

    const gw = await spawnGateway({ PORT: String(realPort) }, cwd);

    await untilLive(gw, realPort);
    expect(await status(`http://127.0.0.1:${dotenvPort}`, '/health/live')).toBe('refused');
  });
});

describe('development mode (no JWT_SECRET, no NODE_ENV)', () => {
  it('prints a user token, the internal secret and a working curl, once', async () => {
    const port = String(await freePort());
    const gw = await spawnGateway({ PORT: port, HOST: '127.0.0.1' });
    await eventually('the banner', async () => gw.stdout(), (out) => /curl .*\n/.test(out), { timeoutMs: 40_000 });
    const out = gw.stdout();

    const token = /user token for "[^"]+"[^\n]*\n\s*(\S+)/.exec(out)?.[1];
    const secret = /internal secret:\s*\n\s*(\S+)/.exec(out)?.[1];
    const curl = /curl .*/.exec(out)?.[0] ?? '';
    const url = /-X POST (\S+)/.exec(curl)?.[1];
    const auth = /-H 'Authorization: ([^']+)'/.exec(curl)?.[1];
    const body = /-d '([^']+)'/.exec(curl)?.[1];
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(secret).toBeDefined();
    expect(auth).toBe(`Bearer ${secret}`);
    expect(url).toBe(`http://localhost:${port}/internal/emit`);
    const parsed = JSON.parse(body as string) as { userId: string; event: string; payload: unknown };

    const socket = await connectUser(new URL(url as string).origin, token);
    const pushed = nextEvent(socket, parsed.event);
    const res = await fetch(url as string, {
      method: 'POST',
      headers: { Authorization: auth as string, 'Content-Type': 'application/json' },
      body,
    });
    expect(res.status).toBe(200);
    await expect(pushed).resolves.toEqual(parsed.payload);

    const finalOut = gw.stdout();
    expect(finalOut.split(token as string)).toHaveLength(2);
    expect(finalOut.split('curl ')).toHaveLength(2);
    expect(finalOut.match(/development mode/g)).toHaveLength(1);
  });
});

describe('development mode for a person at a terminal', () => {
  /** Starts a development-mode gateway and waits for the banner's last line (the curl). */
  async function devGateway(env: Record<string, string> = {}): Promise<{ gw: Gateway; base: string }> {
    const port = await freePort();
    const gw = await spawnGateway({ PORT: String(port), HOST: '127.0.0.1', ...env });
    await eventually('the banner', async () => gw.stdout(), (out) => /curl .*\n/.test(out), { timeoutMs: 40_000 });
    return { gw, base: `http://127.0.0.1:${port}` };
  }

  it('logs a few pretty lines, then the banner last, once the server listens', async () => {
    const { gw, base } = await devGateway();
    // The banner says "listening": the server answers already; and answering logs nothing after it.
    expect(await status(base, '/health/live')).toBe(200);
    const out = gw.stdout();
    const bannerAt = out.indexOf('Realtime gateway — development mode');
    const before = lines(out.slice(0, bannerAt));
    const banner = lines(out.slice(bannerAt));
    expect(banner[banner.length - 1]).toMatch(/^\s*curl -s -X POST /);
    expect(lines(out)[lines(out).length - 1]).toBe(banner[banner.length - 1]);
    // Quiet: no line per module, route or handler; pretty: no JSON.
    expect(before.length).toBeLessThanOrEqual(3);
    expect(before.filter((l) => l.trimStart().startsWith('{'))).toEqual([]);
    expect(before.join('\n')).toMatch(/INFO.*Gateway listening/);
    expect(out).not.toMatch(/RouterExplorer|InstanceLoader|WebSocketsController/);
    expect(gw.stderr()).toBe('');
  });

  it('keeps JSON lines when LOG_FORMAT=json is asked for, the banner still last', async () => {
    const { gw } = await devGateway({ LOG_FORMAT: 'json' });
    const out = gw.stdout();
    const bannerAt = out.indexOf('Realtime gateway — development mode');
    const before = lines(out.slice(0, bannerAt));
    expect(before.length).toBeGreaterThan(20);
    for (const line of before) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(JSON.parse(before[before.length - 1])).toMatchObject({ msg: 'Gateway listening' });
    expect(lines(out)[lines(out).length - 1]).toMatch(/^\s*curl -s -X POST /);
  });

  it('sends / to the demo page and serves the icon', async () => {
    const { base } = await devGateway();
    const root = await fetch(`${base}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/demo');
    for (const path of ['/favicon.ico', '/demo/favicon.svg']) {
      const icon = await fetch(`${base}${path}`);
      expect(icon.status).toBe(200);
      expect(icon.headers.get('content-type')).toBe('image/svg+xml');
      expect(await icon.text()).toMatch(/^<svg /);
    }
    expect(await (await fetch(`${base}/demo`)).text()).toContain('<link rel="icon" href="/demo/favicon.svg"');
  });

  it('outside development mode / is not found and the logs are JSON', async () => {
    const port = String(await freePort());
    const gw = await startGateway({ PORT: port, HOST: '127.0.0.1', JWT_SECRET: 'not-dev-mode-secret-0123456789' });
    expect(await status(gw.url, '/')).toBe(404);
    expect(await status(gw.url, '/favicon.ico')).toBe(404);
    await eventually('the listening line', async () => gw.stdout(), (out) => out.includes('Gateway listening'));
    for (const line of lines(gw.stdout())) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });
});

describe('logs', () => {
  it('are JSON lines and never contain secrets or tokens', async () => {
    const port = String(await freePort());
    const jwtSecret = 'JWT-canary-secret-7f3a9c1e5b';
    const internalSecret = 'INTERNAL-canary-secret-2d8e4f6a';
    const secretKey = 'SECRETKEY-canary-9b1c3d5e7f';
    const wrongSecret = 'WRONG-canary-secret-4a6b8c0d';
    const gw = await startGateway({
      PORT: port,
      HOST: '127.0.0.1',
      JWT_SECRET: jwtSecret,
      INTERNAL_SECRET: internalSecret,
      SECRET_KEY: secretKey,
      SECRET_IV: 'SECRETIV-canary-1a2b3c',
      LOG_LEVEL: 'trace',
    });
    const goodToken = signToken({ sub: 'log-user', session_id: 'log-session' }, { secret: jwtSecret });
    const headerToken = signToken({ sub: 'log-user', session_id: 'log-session' }, { secret: jwtSecret, expiresIn: 1800 });
    const badToken = signToken({ sub: 'log-user' }, { secret: 'not-the-jwt-secret-at-all' });

    await connectUser(gw.url, undefined, { query: { token: goodToken } });
    await connectUser(gw.url, undefined, { extraHeaders: { Authorization: `Bearer ${headerToken}` } });
    for (const opts of [{ auth: { token: badToken } }, { query: { token: badToken } }]) {
      const socket = createClient(gw.url, opts);
      expect((await firstOf(socket, ['connected', 'connect_error'])).event).toBe('connect_error');
    }
    const emit = (secret: string) =>
      fetch(`${gw.url}/internal/emit?token=${goodToken}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ userId: 'log-user', event: 'notification:new', payload: { note: 'hello' } }),
      });
    expect((await emit(wrongSecret)).status).toBe(401);
    expect((await emit(internalSecret)).status).toBe(200);
    closeAllClients();
    gw.child.kill('SIGTERM');
    expect((await exitOf(gw)).code).toBe(0);

    const all = gw.stdout() + gw.stderr();
    expect(all).toMatch(/"url":"\/internal\/emit".*"statusCode":401/); // the requests were logged
    for (const secret of [jwtSecret, internalSecret, secretKey, wrongSecret, goodToken, headerToken, badToken]) {
      expect(all).not.toContain(secret);
    }
    // Token parts too: a logged header or payload must not leak half a JWT either.
    for (const token of [goodToken, headerToken, badToken]) expect(all).not.toContain(token.split('.')[2]);
    const outLines = lines(gw.stdout());
    expect(outLines.length).toBeGreaterThan(0);
    for (const line of outLines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    for (const line of outLines) expect(typeof JSON.parse(line)).toBe('object');
    for (const line of lines(gw.stderr())) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });
});

describe.each<[NodeJS.Signals]>([['SIGTERM'], ['SIGINT']])('%s with a connected client', (signal) => {
  it('readiness drops, the client gets server:shutdown then disconnect, new handshakes fail, exit 0 in time', async () => {
    const port = String(await freePort());
    const gw = await startGateway({ PORT: port, HOST: '127.0.0.1', JWT_SECRET: TEST_JWT_SECRET, SHUTDOWN_DRAIN_DELAY_MS: '0', SHUTDOWN_SPREAD_MS: '0', SHUTDOWN_TIMEOUT_MS: '5000' });
    expect(await status(gw.url, '/health/ready')).toBe(200);
    const socket = await connectUser(gw.url, signToken({ sub: 'leaving-user', session_id: 's1' }));
    const shutdownNotice = nextEvent(socket, 'server:shutdown');
    const gone = disconnected(socket);

    gw.child.kill(signal);

    await expect(shutdownNotice).resolves.toEqual(expect.anything());
    // Right after the notice: not ready (503), or already not listening; never 200.
    expect(await status(gw.url, '/health/ready')).not.toBe(200);
    // A closed transport (not 'io server disconnect') is what makes socket.io clients reconnect, to another node.
    expect(await gone).toBe('transport close');
    const late = createClient(gw.url, { auth: { token: signToken({ sub: 'late-user', session_id: 's2' }) } });
    expect((await firstOf(late, ['connected', 'connect_error'])).event).toBe('connect_error');

    const { code, signal: killedBy } = await exitOf(gw);
    expect({ code, killedBy }).toEqual({ code: 0, killedBy: null });
    // In time: the drain finished, the SHUTDOWN_TIMEOUT_MS deadline did not force the exit.
    expect(gw.stdout() + gw.stderr()).not.toContain('Shutdown timeout reached');
    expect(gw.stdout()).toContain('Shutting down');
  });
});
