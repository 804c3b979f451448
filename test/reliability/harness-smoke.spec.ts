import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { assertBuilt, ROOT } from '../support/node-process.js';

// A smoke test of `npm run reliability` (not its figures: the harness is run on its own, see
// docs/reliability.md): it lists its scenarios, and one short scenario runs real processes to a
// verdict and cleans up after itself.

const run = promisify(execFile);
const HARNESS = join(ROOT, 'reliability/run.mjs');

beforeAll(() => assertBuilt());

describe('npm run reliability', () => {
  it('lists every scenario', async () => {
    const { stdout } = await run(process.execPath, [HARNESS, '--help']);
    for (const name of ['kill', 'drain', 'storm', 'slow', 'outage', 'late-redis', 'churn', 'overload', 'redis-restart']) expect(stdout).toContain(`  ${name} `);
  });

  it('runs a scenario against real processes to a PASS verdict', async () => {
    const { stdout } = await run(process.execPath, [HARNESS, 'late-redis', '--quick', '--workers', '1'], { timeout: 90_000 });
    expect(stdout).toMatch(/== late-redis: .*==/);
    expect(stdout).toContain('PASS  one line names REDIS_URL');
    expect(stdout).toMatch(/verdict: PASS/);
    expect(stdout).toMatch(/summary:\n\s+PASS\s+late-redis/);
  });

  it('refuses an unknown scenario with exit code 2', async () => {
    await expect(run(process.execPath, [HARNESS, 'no-such-scenario'])).rejects.toMatchObject({ code: 2 });
  });
});
