import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import jwt from 'jsonwebtoken';
import { freeConsecutivePorts, freePort } from '../support/redis-server.js';

const JWT_SECRET = 'cluster-test-secret-0123456789';

/** Runs scripts/cluster.mjs with `args`; resolves with its exit code and output. */
async function cluster(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['scripts/cluster.mjs', ...args], { env: { ...process.env, LOG_LEVEL: 'error', JWT_SECRET } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr };
}

/** `npm run cluster -- --smoke`: Redis + two nodes + HAProxy on the ports given, both transports through the balancer. */
describe('scripts/cluster.mjs', () => {
  it('starts on the ports it is given, prints each node and a token, and delivers over WebSocket and long-polling', async () => {
    if (!existsSync('dist/main.js')) throw new Error('dist/main.js is missing: run `npm run build` (npm test does)');
    const nodes = await freeConsecutivePorts(2);
    const [redisPort, lbPort] = [await freePort(), await freePort()];
    const run = await cluster(['--smoke', '--nodes', '2', '--port', String(nodes[0]), '--redis-port', String(redisPort), '--lb-port', String(lbPort)]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`node1: http://127.0.0.1:${nodes[0]}\n`);
    expect(run.stdout).toContain(`node2: http://127.0.0.1:${nodes[1]}\n`);
    expect(run.stdout).toContain(`redis: redis://127.0.0.1:${redisPort}\n`);
    const token = /user token for "dev-user" \(24 h, any node\): (\S+)/.exec(run.stdout)?.[1] ?? '';
    expect(jwt.verify(token, JWT_SECRET, { algorithms: ['HS256'] })).toMatchObject({ sub: 'dev-user' });
    expect(run.stdout).toContain('more tokens (JWT_SECRET from your environment): npm run token -- --user alice');
    expect(run.stdout).toContain('smoke websocket: {"transport":"websocket"}');
    expect(run.stdout).toContain('smoke polling: {"transport":"polling"}');
    if (spawnSync('haproxy', ['-v']).status === 0) expect(run.stdout).toContain(`entry point: http://127.0.0.1:${lbPort} (HAProxy; WebSocket and sticky long-polling)`);
  }, 60_000);

  it('refuses a port in use or given twice, naming the flag, before starting anything', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const busyPort = (busy.address() as AddressInfo).port;
    try {
      const run = await cluster(['--nodes', '1', '--port', String(await freePort()), '--redis-port', String(busyPort), '--lb-port', String(await freePort())]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`cluster: port ${busyPort} is in use: choose another with --redis-port`);
      expect(run.stdout).not.toContain('node1:');
    } finally {
      busy.close();
    }
    const [first] = await freeConsecutivePorts(1);
    const run = await cluster(['--nodes', '1', '--port', String(first), '--redis-port', String(first), '--lb-port', String(await freePort())]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cluster: port ${first} is given twice (--redis-port)`);
    const bad = await cluster(['--nodes', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('cluster: --nodes must be an integer from 1 to 16');
  });
});
