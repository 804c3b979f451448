import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import jwt from 'jsonwebtoken';
import { ack, connectError, connectUser, createClient, firstOf } from '../support/client.js';
import { TEST_JWT_SECRET, useApp } from '../support/app.js';
import { assertBuilt, ROOT } from '../support/node-process.js';

// `npm run token`: signs with the gateway's configuration (JWT_SECRET, or JWT_PRIVATE_KEY for
// the key algorithms), and the token it prints opens a socket on a gateway so configured.

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run -s token -- …` in the repository with exactly `env` (plus PATH and HOME), no npm_* of an enclosing npm. */
async function token(args: string[], env: Record<string, string>): Promise<Run> {
  assertBuilt();
  try {
    const { stdout, stderr } = await promisify(execFile)('npm', ['run', '-s', 'token', '--', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('npm run token with JWT_SECRET', () => {
  const app = useApp();

  it('prints only a token on stdout, which connects as that user and session with those roles', async () => {
    const run = await token(['--user', 'alice', '--session', 's1', '--roles', 'admin', '--ttl', '15m'], { JWT_SECRET: TEST_JWT_SECRET });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^token for "alice" \(session s1, roles admin, HS256, expires \S+\)\n$/);
    const lines = run.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const printed = lines[0];
    const claims = jwt.verify(printed, TEST_JWT_SECRET, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    expect(claims).toMatchObject({ sub: 'alice', session_id: 's1', roles: ['admin'] });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(900);

    const socket = createClient(app.url, { auth: { token: printed } });
    const { event, payload } = await firstOf(socket, ['connected', 'connect_error']);
    expect({ event, payload }).toEqual({ event: 'connected', payload: expect.objectContaining({ userId: 'alice', sessionId: 's1' }) });
    const refresh = await ack(socket, 'admin:refresh-status', {});
    expect(refresh.ok).toBe(true);
    socket.close();
  });

  it('without --roles the token carries no admin role: the admin event is refused', async () => {
    const run = await token(['--user', 'bob'], { JWT_SECRET: TEST_JWT_SECRET });
    expect(run.code).toBe(0);
    const socket = await connectUser(app.url, run.stdout.trim());
    const refresh = await ack(socket, 'admin:refresh-status', {});
    expect(refresh.error?.code).toBe('FORBIDDEN');
    socket.close();
  });

  it('a token signed with another secret is refused by the gateway', async () => {
    const run = await token(['--user', 'mallory'], { JWT_SECRET: 'another-secret-0123456789abcdef' });
    expect(run.code).toBe(0);
    const err = await connectError(app.url, run.stdout.trim());
    expect(err.message).toBe('AUTH_INVALID');
  });

  it.each([
    [['--user', 'alice'], {}, /^token: neither JWT_SECRET nor JWT_PUBLIC_KEY is set/],
    [[], { JWT_SECRET: TEST_JWT_SECRET }, /^token: --user is required/],
    [['--user', 'alice', '--ttl', 'soon'], { JWT_SECRET: TEST_JWT_SECRET }, /^token: --ttl must be like 900, 15m/],
    [['--user', 'alice', '--ttl', '0'], { JWT_SECRET: TEST_JWT_SECRET }, /^token: --ttl must be/],
    [['--user', 'alice'], { JWT_SECRET: 'short' }, /^token: Invalid configuration: JWT_SECRET/],
  ])('%j with %j exits 2 with one line on stderr and no token', async (args, env, message) => {
    const run = await token(args, env as Record<string, string>);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('npm run token with JWT_PUBLIC_KEY and JWT_PRIVATE_KEY', () => {
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicPem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const dir = mkdtempSync(join(tmpdir(), 'token-cli-'));
  const privateFile = join(dir, 'private.pem');
  writeFileSync(privateFile, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const env = { JWT_PUBLIC_KEY: publicPem, JWT_ALGORITHMS: 'RS256,ES256', JWT_ISSUER: 'auth.example', JWT_AUDIENCE: 'realtime' };
  const app = useApp(env);

  it('signs ES256 with the private key file (issuer and audience included) and the gateway accepts it', async () => {
    const run = await token(['--user', 'carol', '--session', 'k1'], { ...env, JWT_PRIVATE_KEY: privateFile });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('ES256');
    const claims = jwt.verify(run.stdout.trim(), publicPem, { algorithms: ['ES256'], issuer: 'auth.example', audience: 'realtime' }) as jwt.JwtPayload;
    expect(claims).toMatchObject({ sub: 'carol', session_id: 'k1' });
    const socket = await connectUser(app.url, run.stdout.trim());
    expect(socket.connected).toBe(true);
    socket.close();
  });

  it('refuses a private key that does not pair with JWT_PUBLIC_KEY, and a missing one', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const wrong = await token(['--user', 'carol'], { ...env, JWT_PRIVATE_KEY: other });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe('token: Invalid configuration: JWT_PRIVATE_KEY does not pair with JWT_PUBLIC_KEY\n');
    const missing = await token(['--user', 'carol'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^token: the gateway verifies RS\*\/ES\*\/PS\* tokens \(JWT_PUBLIC_KEY\): set JWT_PRIVATE_KEY/);
  });
});
