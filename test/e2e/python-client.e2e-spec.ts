import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type TestApp, userToken, useApp } from '../support/app.js';
import { push } from '../support/backend.js';

// docs/protocol.md §4.8 (clients in other languages): Debian's python3-socketio (installed by .ci/run) as
// a user client, with connection-state recovery on and off.

/** Debian's interpreter: the one the python3-socketio package installs into. */
const PYTHON = '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/python_user_client.py');
const LINE_TIMEOUT_MS = 15_000;

type Line = Record<string, unknown>;

interface PythonClient {
  /** Resolves with the first output line that has `key` (earlier and later lines are kept). */
  line(key: string): Promise<Line>;
  exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();

function runClient(args: string[]): PythonClient {
  const child = spawn(PYTHON, [SCRIPT, ...args], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const lines: Line[] = [];
  const waiters: Array<() => void> = [];
  let buffer = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buffer.slice(0, nl)) as Line);
      buffer = buffer.slice(nl + 1);
      for (const wake of waiters.splice(0)) wake();
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      children.delete(child);
      for (const wake of waiters.splice(0)) wake();
      resolve(code);
    });
  });
  let done = false;
  void exited.then(() => (done = true), () => (done = true));

  const line = (key: string): Promise<Line> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`python client printed no "${key}" line; stderr:\n${stderr}`)), LINE_TIMEOUT_MS);
      const check = () => {
        const found = lines.find((l) => key in l);
        if (found) {
          clearTimeout(timer);
          return resolve(found);
        }
        const failed = lines.find((l) => 'failed' in l);
        if (failed || done) {
          clearTimeout(timer);
          return reject(new Error(`python client ended without "${key}": ${JSON.stringify(lines)}\nstderr:\n${stderr}`));
        }
        waiters.push(check);
      };
      check();
    });
  return { line, exited };
}

/** Pushes to the Python client's user, who is online. */
async function pushTo(app: TestApp, userId: string, event: string, payload: unknown): Promise<void> {
  expect((await push(app, { userId, event, payload })).recipients).toEqual({ total: 1, sent: 1, failed: 0 });
}

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

describe('Python client (python3-socketio) with recovery on', () => {
  const sut = useApp({ RECOVERY_WINDOW_MS: '120000' });

  it('connects with a JWT, receives a pushed event in a *args handler (payload, then the offset) and calls an event with an ack', async () => {
    const user = `py-${process.pid}-on`;
    const client = runClient([sut.url, userToken(user), 'profile:update']);
    expect((await client.line('ready')).ready).toMatchObject({ userId: user, sessionId: `s-${user}` });

    await pushTo(sut, user, 'profile:update', { name: 'Ada', nested: { n: 1 } });
    const args = (await client.line('push')).push as unknown[];
    // The trailing argument is Socket.IO's recovery offset: a one-argument handler would fail.
    expect(args).toEqual([{ name: 'Ada', nested: { n: 1 } }, expect.any(String)]);

    expect((await client.line('ack')).ack).toEqual({ ok: true, data: { userId: user, status: 'away', customStatus: null, lastSeen: null } });
    expect(await client.exited).toBe(0);
  });
});

describe('Python client (python3-socketio) with RECOVERY_WINDOW_MS=0', () => {
  const sut = useApp({ RECOVERY_WINDOW_MS: '0' });

  it('a one-argument handler receives the pushed event, with no trailing argument', async () => {
    const user = `py-${process.pid}-off`;
    const client = runClient([sut.url, userToken(user), 'profile:update', 'one-arg']);
    await client.line('ready');
    await pushTo(sut, user, 'profile:update', { name: 'Grace' });
    expect((await client.line('push')).push).toEqual([{ name: 'Grace' }]);
    expect((await client.line('ack')).ack).toMatchObject({ ok: true, data: { userId: user, status: 'away' } });
    expect(await client.exited).toBe(0);
  });
});
