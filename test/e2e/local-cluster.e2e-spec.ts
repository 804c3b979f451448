import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** `npm run cluster -- --smoke`: Redis + two nodes + HAProxy, both transports through the balancer. */
describe('scripts/cluster.mjs', () => {
  it('starts a local cluster and delivers through the load balancer over WebSocket and long-polling', async () => {
    if (!existsSync('dist/main.js')) throw new Error('dist/main.js is missing: run `npm run build` (npm test does)');
    const child = spawn(process.execPath, ['scripts/cluster.mjs', '--smoke', '--nodes', '2'], { env: { ...process.env, LOG_LEVEL: 'error' } });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.resume();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(stdout).toContain('smoke websocket: {"transport":"websocket"}');
    expect(stdout).toContain('smoke polling: {"transport":"polling"}');
    if (spawnSync('haproxy', ['-v']).status === 0) expect(stdout).toContain('(HAProxy; WebSocket and sticky long-polling)');
  }, 60_000);
});
