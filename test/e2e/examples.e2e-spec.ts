import { spawn } from 'node:child_process';
import { closeAllClients, connectUser, nextEvent } from '../support/client.js';
import { type TestApp, startApp, userToken } from '../support/app.js';

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
