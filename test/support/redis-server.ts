// Starts private, throwaway redis-server processes for tests: a free port on
// 127.0.0.1, no persistence, no config file, a temp working dir. Each server is
// guarded so that a crashed or killed test run cannot leave it running.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { type Socket, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export interface RedisServerHandle {
  readonly port: number;
  readonly url: string;
  /** pid of the current redis-server process; changes on restart(). */
  readonly pid: number;
  /** SIGTERM, then wait for the process to exit (SIGKILL if it hangs). */
  stop(): Promise<void>;
  /** SIGKILL, then wait for the process to exit. */
  kill(): Promise<void>;
  /** Stops, then starts again on the same port. Nothing survives unless started `persistent`. */
  restart(): Promise<void>;
}

export interface StartRedisServerOptions {
  /** Use exactly this port (no retry on another one). Default: a free port from the OS. */
  port?: number;
  /** Extra redis-server arguments appended after the defaults (e.g. cluster mode); kept on restart(). */
  extraArgs?: string[];
  /** Append-only file (fsync on every write) in a directory kept across kill() and restart(), removed by stop(): what was written survives. */
  persistent?: boolean;
}

const READY_TIMEOUT_MS = 10_000;
const PING_RETRY_MS = 25;
const PING_ATTEMPT_TIMEOUT_MS = 1_000;
const STOP_TIMEOUT_MS = 5_000;
const PORT_ATTEMPTS = 5;
const OUTPUT_LIMIT = 8_192;

/** Asks the OS for a TCP port that is free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  if (address === null || typeof address === 'string') {
    throw new Error(`unexpected server address: ${String(address)}`);
  }
  return address.port;
}

/** True when `port` of 127.0.0.1 can be bound right now. */
async function canBind(port: number): Promise<boolean> {
  const server = createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (bound) await new Promise<void>((resolve) => server.close(() => resolve()));
  return bound;
}

/** `count` consecutive ports free on 127.0.0.1 right now (for programs that take a first port). */
export async function freeConsecutivePorts(count: number): Promise<number[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await freePort();
    if (first + count > 65536) continue;
    const ports = Array.from({ length: count }, (_, i) => first + i);
    let free = true;
    for (const port of ports.slice(1)) free = free && (await canBind(port));
    if (free) return ports;
  }
  throw new Error(`found no ${count} consecutive free ports`);
}

export async function startRedisServer(options: StartRedisServerOptions = {}): Promise<RedisServerHandle> {
  const kept = options.persistent ? await mkdtemp(join(tmpdir(), 'test-redis-aof-')) : undefined;
  const extraArgs = [...(options.extraArgs ?? []), ...(kept ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', kept] : [])];
  if (options.port !== undefined) {
    return new RedisServer(options.port, await launch(options.port, extraArgs), extraArgs, kept);
  }
  const failures: string[] = [];
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = await freePort();
    try {
      return new RedisServer(port, await launch(port, extraArgs), extraArgs, kept);
    } catch (err) {
      // Another process may grab the port between freePort() and the bind;
      // any other failure would repeat on every port, so stop at once.
      if (!(err instanceof PortInUseError)) throw err;
      failures.push(err.message);
    }
  }
  throw new Error(`redis-server could not bind a free port after ${PORT_ATTEMPTS} attempts:\n${failures.join('\n')}`);
}

class PortInUseError extends Error {}

/** One running redis-server process plus the pieces to clean up after it. */
interface RedisProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly dir: string;
  readonly exited: Promise<void>;
  readonly guard: ChildProcess;
  isRunning(): boolean;
}

class RedisServer implements RedisServerHandle {
  readonly url: string;

  constructor(
    readonly port: number,
    private current: RedisProcess | undefined,
    private readonly extraArgs: string[] = [],
    private readonly keptDir?: string,
  ) {
    this.url = `redis://127.0.0.1:${port}`;
  }

  get pid(): number {
    if (!this.current) throw new Error(`redis-server on port ${this.port} is not running`);
    return this.current.pid;
  }

  async stop(): Promise<void> {
    await this.terminate('SIGTERM');
    if (this.keptDir) await rm(this.keptDir, { recursive: true, force: true });
  }

  async kill(): Promise<void> {
    await this.terminate('SIGKILL');
  }

  async restart(): Promise<void> {
    await this.terminate('SIGTERM');
    this.current = await launch(this.port, this.extraArgs);
  }

  private async terminate(signal: NodeJS.Signals): Promise<void> {
    const proc = this.current;
    if (!proc) return;
    this.current = undefined;
    await shutdown(proc, signal);
  }
}

function redisServerBin(): string {
  return process.env.REDIS_SERVER_BIN || 'redis-server';
}

async function launch(port: number, extraArgs: string[] = []): Promise<RedisProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'test-redis-'));
  try {
    return await launchIn(dir, port, extraArgs);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function launchIn(dir: string, port: number, extraArgs: string[]): Promise<RedisProcess> {
  const bin = redisServerBin();
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--save', '',
    '--appendonly', 'no',
    '--protected-mode', 'no',
    '--dir', dir,
    ...extraArgs,
  ];
  const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  // redis logs to stdout; startup errors may land on either stream, keep both.
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  let running = true;
  let exitInfo = '';
  // 'close' (not 'exit') so the output is complete when we report it.
  const exited = new Promise<void>((resolve) => {
    child.once('close', (code, sig) => {
      running = false;
      exitInfo = sig ? `signal ${sig}` : `code ${String(code)}`;
      resolve();
    });
  });
  const spawned = new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid ?? -1));
    // `on`, not `once`: a later error (a failed kill) must not go unhandled.
    child.on('error', (err) => {
      running = false;
      reject(new Error(`cannot run ${bin} (set REDIS_SERVER_BIN or install redis-server): ${err.message}`));
    });
  });
  const pid = await spawned;

  const guard = spawnGuard(pid);
  const proc: RedisProcess = { child, pid, dir, exited, guard, isRunning: () => running };
  track(proc);
  // Once redis is gone its pid may be reused: the guard must not outlive it.
  void exited.then(() => guard.kill('SIGKILL'));
  unrefChild(child);

  const outcome = await Promise.race([
    waitForPong(port, pid, () => running),
    exited.then(() => 'exited' as const),
  ]);
  if (outcome === 'ready') return proc;

  await shutdown(proc, 'SIGKILL');
  const reason =
    outcome === 'exited'
      ? `exited (${exitInfo}) before answering PING`
      : `did not answer PING within ${READY_TIMEOUT_MS} ms`;
  const message = `redis-server on port ${port} ${reason}; its output:\n${output.trim() || '(none)'}`;
  throw outcome === 'exited' && /address already in use/i.test(output)
    ? new PortInUseError(message)
    : new Error(message);
}

async function waitForPong(
  port: number,
  pid: number,
  isRunning: () => boolean,
): Promise<'ready' | 'timeout' | 'exited'> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (isRunning()) {
    if (await answersAsOurServer(port, pid)) return 'ready';
    if (Date.now() >= deadline) return 'timeout';
    await delay(PING_RETRY_MS);
  }
  return 'exited';
}

/**
 * Sends PING over a raw socket; on +PONG also checks INFO's process_id, so a
 * foreign server that happens to own the port is never mistaken for ours.
 */
function answersAsOurServer(port: number, pid: number): Promise<boolean> {
  return new Promise((resolve) => {
    let buffer = '';
    let pinged = false;
    const socket: Socket = connect({ host: '127.0.0.1', port });
    const finish = (result: boolean): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(PING_ATTEMPT_TIMEOUT_MS, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      if (!pinged) {
        if (!buffer.includes('\r\n')) return;
        if (!buffer.startsWith('+PONG\r\n')) return finish(false); // e.g. -LOADING
        pinged = true;
        buffer = '';
        socket.write('INFO server\r\n');
        return;
      }
      const match = /process_id:(\d+)\r\n/.exec(buffer);
      if (match) finish(Number(match[1]) === pid);
    });
  });
}

async function shutdown(proc: RedisProcess, signal: NodeJS.Signals): Promise<void> {
  if (proc.isRunning()) {
    proc.child.kill(signal);
    const timedOut = await Promise.race([
      proc.exited.then(() => false),
      delay(STOP_TIMEOUT_MS, true, { ref: false }),
    ]);
    if (timedOut && proc.isRunning()) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
  }
  proc.guard.kill('SIGKILL');
  untrack(proc);
  await rm(proc.dir, { recursive: true, force: true });
}

// --- making sure servers die with the test process ---------------------------

const live = new Set<RedisProcess>();
let exitHookInstalled = false;

function track(proc: RedisProcess): void {
  live.add(proc);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const p of live) {
        if (p.isRunning()) p.child.kill('SIGKILL');
        p.guard.kill('SIGKILL');
      }
    });
  }
}

function untrack(proc: RedisProcess): void {
  live.delete(proc);
}

/**
 * An 'exit' handler does not run when the test process is SIGKILLed (Jest
 * kills stuck workers) and, inside a Jest test environment, `process` is a
 * sandboxed copy whose 'exit' event never fires. So each server also gets a
 * tiny guard process holding the read end of a pipe from us: the kernel
 * closes the pipe however we die, and the guard then SIGKILLs redis.
 * (node-process.ts guards gateway children the same way.)
 */
export function spawnGuard(pid: number): ChildProcess {
  const script =
    "const pid = Number(process.argv[1]);" +
    "const reap = () => { try { process.kill(pid, 'SIGKILL'); } catch {} process.exit(0); };" +
    "process.stdin.on('end', reap); process.stdin.on('error', reap); process.stdin.resume();";
  const guard = spawn(process.execPath, ['-e', script, String(pid)], { stdio: ['pipe', 'ignore', 'ignore'] });
  guard.on('error', () => undefined); // best effort: the exit handler still applies
  unrefChild(guard);
  return guard;
}

/** A server somebody forgot to stop must not keep the test process alive. */
function unrefChild(child: ChildProcess): void {
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as Partial<Socket> | null)?.unref?.();
  }
}
