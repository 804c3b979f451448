import { spawn } from 'node:child_process';
import { closeAllClients, connectUser, nextEvent } from '../support/client.js';
import { type TestApp, startApp, TEST_INTERNAL_SECRET, userToken } from '../support/app.js';

const KEY = 'example-key-0123456789';

function run(script: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout }));
  });
}

describe('examples/service-client.mjs', () => {
  let sut: TestApp;

  beforeAll(async () => {
    // On INTERNAL_PORT, as Scarfall ran it: the example uses socket.io-client's default transports.
    sut = await startApp({ INTERNAL_PORT: '0', INTERNAL_SERVICES: JSON.stringify({ billing: { key: KEY, type: 'billing' } }) });
  });
  afterAll(async () => {
    closeAllClients();
    await sut.close();
  });

  it('authenticates on /internal and delivers a message to the user', async () => {
    const user = await connectUser(sut.url, userToken('example-user'));
    const received = nextEvent(user, 'message');
    const result = await run('examples/service-client.mjs', ['example-user', 'invoice ready'], {
      GATEWAY_URL: sut.internalUrl!,
      SERVICE_NAME: 'billing',
      SERVICE_KEY: KEY,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('authenticated as billing');
    expect(await received).toMatchObject({ message: 'invoice ready', metadata: { source: 'internal_service', serviceName: 'billing', metadata: { kind: 'example' } } });
  });

  it('exits non-zero with a wrong key', async () => {
    const result = await run('examples/service-client.mjs', ['x'], { GATEWAY_URL: sut.internalUrl!, SERVICE_NAME: 'billing', SERVICE_KEY: 'wrong-key-0123456789' });
    expect(result.code).toBe(1);
  });
});

/** examples/user_client.py run by Debian's python3 with stdin and stdout piped, its lines awaited as they come. */
function pythonExample(args: string[], pythonFlags: string[] = []) {
  const child = spawn('/usr/bin/python3', [...pythonFlags, 'examples/user_client.py', ...args], { env: { PATH: process.env.PATH ?? '' } });
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  /** The first stdout line matching `pattern`, once printed. */
  const line = (pattern: RegExp, timeoutMs = 15_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line matching ${pattern}; stdout:\n${stdout}\nstderr:\n${stderr}`)), timeoutMs);
      const check = () => {
        const found = stdout.split('\n').find((l) => pattern.test(l));
        if (found !== undefined) {
          clearTimeout(timer);
          resolve(found);
        } else waiters.push(check);
      };
      check();
    });
  return { child, line, exited, stderr: () => stderr };
}

describe('examples/user_client.py', () => {
  let sut: TestApp;
  beforeAll(async () => {
    sut = await startApp();
  });
  afterAll(() => sut.close());

  it('prints every event with its recovery offset, sends what is typed and prints the ack, quits on "quit"', async () => {
    const example = pythonExample([sut.url, userToken('py-example')]);
    try {
      expect(await example.line(/^<- connected /)).toContain('"userId": "py-example"');
      const res = await fetch(`${sut.url}/internal/emit`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TEST_INTERNAL_SECRET}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ userId: 'py-example', event: 'notification:new', payload: { title: 'from the test' } }),
      });
      expect(res.status).toBe(200);
      expect(await example.line(/^<- notification:new /)).toMatch(/^<- notification:new \{"title": "from the test"\}\s+\(recovery offset \S+\)$/);
      example.child.stdin.write('presence:update {"status": "away"}\n');
      expect(await example.line(/^ack presence:update /)).toBe('ack presence:update {"ok": true, "data": {"userId": "py-example", "status": "away", "customStatus": null, "lastSeen": null}}');
      example.child.stdin.write('chat:join {not json\n');
      expect(await example.line(/^not JSON/)).toContain('write: event {"field": "value"}');
      example.child.stdin.write('quit\n');
      expect(await example.exited).toBe(0);
    } finally {
      example.child.kill();
    }
  });

  it('says what to install when python-socketio cannot be imported', async () => {
    // -S leaves out site-packages, where Debian's python3-socketio lives.
    const example = pythonExample([sut.url, 'token'], ['-S']);
    expect(await example.exited).toBe(1);
    expect(example.stderr()).toContain('user_client.py needs python-socketio, which is not installed');
    expect(example.stderr()).toContain('apt-get install python3-socketio python3-requests python3-websocket');
    expect(example.stderr()).toContain('pip install "python-socketio[client]>=5" websocket-client');
  });
});
