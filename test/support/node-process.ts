// Runs the built gateway (`node dist/main.js`) as real child processes for process-level
// tests: spawn with an exact environment, wait for liveness or readiness, signal, await the
// exit. Every child is tracked, and guarded like the test redis-servers, so that neither a
// failed test nor a killed test run leaves a gateway running.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from './eventually.js';
import { freePort, spawnGuard } from './redis-server.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const MAIN = join(ROOT, 'dist/main.js');
export const EXIT_TIMEOUT_MS = 20_000;
// Generous: a cold `node dist/main.js` on a loaded 2-core CI machine can take a while; these are waits, not speed checks.
const START_TIMEOUT_MS = 40_000;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Gateway {
  child: ChildProcess;
  port: number;
  url: string;
  cwd: string;
  stdout(): string;
  stderr(): string;
  /** True until the process has exited. */
  running(): boolean;
  /** Resolves with the exit code and signal once the process is gone (streams flushed). */
  exited: Promise<ExitInfo>;
}

const children = new Set<Gateway>();
const dirs = new Set<string>();

/** Fails with a clear message when the build is missing (npm test builds first). */
export function assertBuilt(): void {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first (npm test builds before testing)`);
}

/** A fresh temporary working directory, removed by killAllGateways(). */
export async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-process-'));
  dirs.add(dir);
  return dir;
}

/** Spawns `node dist/main.js` in `cwd` (a fresh temp dir by default) with PATH plus `env` only. */
export async function spawnGateway(env: Record<string, string>, cwd?: string): Promise<Gateway> {
  const dir = cwd ?? (await freshDir());
  const child = spawn(process.execPath, [MAIN], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  let alive = true;
  const exited = new Promise<ExitInfo>((done) => {
    child.once('close', (code, signal) => {
      alive = false;
      done({ code, signal });
    });
  });
  child.on('error', () => undefined); // a failed kill() must not go unhandled; 'close' still reports
  if (child.pid !== undefined) {
    const guard = spawnGuard(child.pid);
    // Once the gateway is gone its pid may be reused: the guard must not outlive it.
    void exited.then(() => guard.kill('SIGKILL'));
  }
  const port = Number(env.PORT ?? 0);
  const gateway: Gateway = {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    cwd: dir,
    stdout: () => out,
    stderr: () => err,
    running: () => alive,
    exited,
  };
  children.add(gateway);
  return gateway;
}

/** The exit of `gw`, or a failure (with its stderr) after `timeoutMs`. */
export async function exitOf(gw: Gateway, timeoutMs = EXIT_TIMEOUT_MS): Promise<ExitInfo> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`process did not exit within ${timeoutMs} ms; stderr: ${gw.stderr()}`)), timeoutMs);
  });
  try {
    return await Promise.race([gw.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The HTTP status of GET `url + path`, or 'refused' when nothing answers. */
export async function httpStatus(url: string, path: string): Promise<number | 'refused'> {
  try {
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(3000) });
    await res.body?.cancel();
    return res.status;
  } catch {
    return 'refused';
  }
}

/** Waits until GET `path` answers 200 on `port`; fails early (with the output) if the process exits. */
export async function untilAnswers(gw: Gateway, path: string, port = gw.port, timeoutMs = START_TIMEOUT_MS): Promise<void> {
  const s = await eventually(
    `the gateway to answer 200 on ${path} (port ${port})`,
    async () => (gw.running() ? httpStatus(`http://127.0.0.1:${port}`, path) : 'exited'),
    (v) => v === 200 || v === 'exited',
    { timeoutMs, intervalMs: 50 },
  );
  if (s === 'exited') throw new Error(`the gateway exited early; stderr: ${gw.stderr()}; stdout: ${gw.stdout()}`);
}

/** Waits until GET /health/live answers 200 on `port`. */
export function untilLive(gw: Gateway, port = gw.port): Promise<void> {
  return untilAnswers(gw, '/health/live', port);
}

/** Spawns a gateway and waits until it is live. */
export async function startGateway(env: Record<string, string>, cwd?: string): Promise<Gateway> {
  const gw = await spawnGateway(env, cwd);
  await untilLive(gw);
  return gw;
}

/**
 * Spawns one gateway per env on a free port each (PORT and HOST are set here) and waits until
 * every one is ready (GET /health/ready 200: its Redis answers).
 */
export async function startReadyGateways(envs: Array<Record<string, string>>): Promise<Gateway[]> {
  const gateways = await Promise.all(
    envs.map(async (env) => spawnGateway({ ...env, PORT: String(await freePort()), HOST: '127.0.0.1' })),
  );
  await Promise.all(gateways.map((gw) => untilAnswers(gw, '/health/ready')));
  return gateways;
}

/** SIGKILLs every gateway still running, waits for them to exit and removes the temp dirs. */
export async function killAllGateways(): Promise<void> {
  for (const gw of children) {
    if (gw.running()) gw.child.kill('SIGKILL');
    await gw.exited;
  }
  children.clear();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  dirs.clear();
}
