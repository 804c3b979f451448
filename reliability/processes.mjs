// The real processes of a reliability run: a private redis-server, gateway nodes (node
// dist/main.js), HAProxy in front when it is installed. Loopback and free ports only; every
// process is tracked and stopped at the end, on error, on Ctrl-C, and by a watchdog process if
// the harness itself is killed outright.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWatchdog } from '../scripts/watchdog.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const MAIN = join(ROOT, 'dist/main.js');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** SIGKILLs every tracked pid when the harness dies without cleaning up. */
const watchdog = startWatchdog();

const children = new Set();
const workDir = mkdtempSync(join(tmpdir(), 'gateway-reliability-'));
/** The run's temporary directory (removed by cleanup()). */
export const WORK_DIR = workDir;

/** Starts `cmd args` and tracks it: `{ child, name, pid, exit, exited, output() }`. */
export function startProcess(name, cmd, args, { env = {}, cwd = workDir, keepOutput = 200_000 } = {}) {
  const child = spawn(cmd, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const entry = { child, name, pid: child.pid, exited: false, out: '' };
  children.add(entry);
  watchdog.watch(child.pid);
  entry.exit = new Promise((done) => {
    child.once('exit', (code, signal) => {
      entry.exited = true;
      entry.code = code;
      entry.signal = signal;
      children.delete(entry);
      watchdog.forget(child.pid);
      done({ code, signal });
    });
  });
  child.on('error', (err) => (entry.out += `\n${err.message}`));
  // RELIABILITY_LOG_DIR: each process's whole output also goes to <dir>/<name>-<pid>.log.
  const logDir = process.env.RELIABILITY_LOG_DIR;
  if (logDir) mkdirSync(logDir, { recursive: true });
  const file = logDir ? createWriteStream(join(logDir, `${name}-${child.pid}.log`)) : undefined;
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8').on('data', (d) => {
      entry.out = (entry.out + d).slice(-keepOutput);
      file?.write(d);
    });
  }
  entry.output = () => entry.out;
  return entry;
}

/** SIGTERM (or `signal`), then SIGKILL after `graceMs`; resolves with the exit. */
export async function stopProcess(entry, { signal = 'SIGTERM', graceMs = 40_000 } = {}) {
  if (entry.exited) return { code: entry.code, signal: entry.signal };
  entry.child.kill(signal);
  const timer = setTimeout(() => entry.child.kill('SIGKILL'), graceMs);
  const exit = await entry.exit;
  clearTimeout(timer);
  return exit;
}

/** Kills every process still running (between scenarios); the watchdog stays. */
export async function stopAll() {
  // With RELIABILITY_NODE_ARGS (a profiler) the processes get SIGTERM first, so a node writes its profile.
  const stop = process.env.RELIABILITY_NODE_ARGS ? { signal: 'SIGTERM', graceMs: 15_000 } : { signal: 'SIGKILL', graceMs: 1000 };
  await Promise.all([...children].map((e) => stopProcess(e, stop)));
}

let cleaning;
/** Stops every process still running, the watchdog too, and removes the work directory. */
export function cleanup() {
  cleaning ??= (async () => {
    await Promise.all([...children].map((e) => stopProcess(e, { signal: 'SIGKILL', graceMs: 1000 })));
    watchdog.end();
    rmSync(workDir, { recursive: true, force: true });
  })();
  return cleaning;
}

export async function freePort() {
  const srv = createServer();
  await new Promise((r, j) => srv.once('error', j).listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

/** GET `url`: its status, or 'refused' / 'timeout'. */
export async function httpStatus(url, timeoutMs = 2000) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status;
  } catch (err) {
    return err?.name === 'TimeoutError' ? 'timeout' : 'refused';
  }
}

/** Waits until GET `url` answers 200; fails early with the output if `entry` exits. */
export async function waitHttp(url, entry, limitMs = 60_000) {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (entry?.exited) throw new Error(`${entry.name} exited during start-up:\n${entry.output().slice(-3000)}`);
    if ((await httpStatus(url, 1000)) === 200) return;
    await sleep(100);
  }
  throw new Error(`${entry?.name ?? url} did not answer ${url} within ${limitMs} ms`);
}

// ---- Redis ---------------------------------------------------------------------------------

/** A private redis-server on a free port; `stop()` and `start()` again on the same port. */
export class RedisServer {
  static async start({ appendonly = false } = {}) {
    const server = new RedisServer(await freePort(), appendonly);
    await server.start();
    return server;
  }

  constructor(port, appendonly) {
    this.port = port;
    this.url = `redis://127.0.0.1:${port}`;
    this.dir = mkdtempSync(join(workDir, 'redis-'));
    this.appendonly = appendonly;
  }

  async start() {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--protected-mode', 'no', '--dir', this.dir];
    args.push('--appendonly', this.appendonly ? 'yes' : 'no');
    this.entry = startProcess(`redis:${this.port}`, 'redis-server', args);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (this.entry.exited) throw new Error(`redis-server exited:\n${this.entry.output()}`);
      if (await this.command('PING').then((r) => r.startsWith('+PONG'), () => false)) return;
      await sleep(50);
    }
    throw new Error('redis-server did not answer PING');
  }

  /** SIGTERM (with AOF on, Redis writes it out first) or SIGKILL. */
  async stop(signal = 'SIGTERM') {
    if (this.entry) await stopProcess(this.entry, { signal, graceMs: 10_000 });
  }

  /** One inline command over a raw socket; resolves with the raw reply. */
  command(...words) {
    return new Promise((resolve, reject) => {
      const sock = netConnect(this.port, '127.0.0.1', () => sock.write(`${words.join(' ')}\r\n`));
      let buf = '';
      sock.setTimeout(5000, () => {
        sock.destroy();
        reject(new Error('redis command timed out'));
      });
      sock.on('data', (d) => {
        buf += d.toString();
        if (buf.endsWith('\r\n')) {
          sock.destroy();
          resolve(buf);
        }
      });
      sock.on('error', reject);
    });
  }

  /** Every key under `prefix` with no expiry (SCAN with `redis-cli`, which parses the replies). */
  keysWithoutExpiry(prefix) {
    const cli = (...args) => spawnSync('redis-cli', ['-p', String(this.port), ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const keys = cli('--scan', '--pattern', `${prefix}*`).stdout.split('\n').filter(Boolean);
    const out = [];
    for (let i = 0; i < keys.length; i += 500) {
      const chunk = keys.slice(i, i + 500);
      const script = chunk.map((k) => `PTTL "${k.replace(/"/g, '\\"')}"`).join('\n');
      const ttls = spawnSync('redis-cli', ['-p', String(this.port)], { input: script, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).stdout.split('\n').filter(Boolean);
      chunk.forEach((k, j) => {
        if (Number(ttls[j]) === -1) out.push(k);
      });
    }
    return { total: keys.length, withoutExpiry: out };
  }
}

// ---- gateway nodes ---------------------------------------------------------------------------

/** A gateway node's name and free port, before it runs (HAProxy's configuration names it first). */
export async function allocateNode(name, { internal = false } = {}) {
  const port = await freePort();
  const node = { name, port, url: `http://127.0.0.1:${port}` };
  if (!internal) return node;
  // INTERNAL_PORT: /internal/*, /metrics and the probes there (docs/operations.md, Load balancers).
  const internalPort = await freePort();
  return { ...node, internalPort, internalUrl: `http://127.0.0.1:${internalPort}`, env: { INTERNAL_PORT: String(internalPort) } };
}

/** Runs `node dist/main.js` for `node` with `env`; waits for GET `waitFor` to answer 200. */
export async function launchNode(node, env, { waitFor = '/health/ready' } = {}) {
  // RELIABILITY_NODE_ARGS: flags for every gateway node's `node` (profiling: `--cpu-prof --cpu-prof-dir=DIR`).
  const flags = (process.env.RELIABILITY_NODE_ARGS ?? '').split(' ').filter(Boolean);
  node.entry = startProcess(node.name, process.execPath, [...flags, MAIN], { env: { PORT: String(node.port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...node.env, ...env } });
  node.pid = node.entry.pid;
  if (waitFor) await waitHttp(`${node.url}${waitFor}`, node.entry);
  return node;
}

/** A running gateway node on a free port. */
export async function startNode(name, env, options) {
  return launchNode(await allocateNode(name), env, options);
}

/** VmRSS of `pid` in bytes. */
export function rssBytes(pid) {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}

// ---- HAProxy -------------------------------------------------------------------------------

export const HAS_HAPROXY = spawnSync('haproxy', ['-v']).status === 0;

/**
 * HAProxy in front of `nodes` (docs/operations.md, Load balancers): health check on
 * /health/ready every second, down after 2 failures, so a draining node (readiness 503 at once,
 * SHUTDOWN_DRAIN_DELAY_MS of full service) is out of rotation before it refuses anything; a
 * connection that fails is redispatched to another node. WebSocket only: no stickiness needed.
 * Nodes with an internal port are checked there (off the public port's listen backlog), and a
 * second frontend (`lb.internalUrl`) takes the backends' calls to those ports.
 */
export async function startHaproxy(nodes) {
  const [port, statsPort] = [await freePort(), await freePort()];
  const internal = nodes.every((n) => n.internalPort !== undefined);
  const internalPort = internal ? await freePort() : undefined;
  const cfg = join(workDir, `haproxy-${port}.cfg`);
  // Both backends (public and internal) check readiness the same way.
  const checked = [
    '  balance roundrobin',
    '  option httpchk',
    '  http-check send meth GET uri /health/ready',
    '  http-check expect status 200',
    '  default-server check inter 1s fall 2 rise 2',
  ];
  writeFileSync(
    cfg,
    [
      'global',
      // Two descriptors a connection (client and server side), within this shell's limit.
      `  maxconn ${maxConnections()}`,
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 60s',
      '  timeout server 60s',
      '  timeout http-request 10s',
      '  timeout tunnel 1h',
      '  retries 3',
      '  option redispatch',
      'frontend gateway_in',
      `  bind 127.0.0.1:${port}`,
      '  default_backend gateways',
      'backend gateways',
      ...checked,
      ...nodes.map((n) => `  server ${n.name} 127.0.0.1:${n.port}${n.internalPort ? ` check port ${n.internalPort}` : ''}`),
      ...(internal
        ? [
            'frontend internal_in',
            `  bind 127.0.0.1:${internalPort}`,
            '  default_backend gateways_internal',
            'backend gateways_internal',
            ...checked,
            ...nodes.map((n) => `  server ${n.name} 127.0.0.1:${n.internalPort}`),
          ]
        : []),
      'listen stats',
      `  bind 127.0.0.1:${statsPort}`,
      '  stats enable',
      '  stats uri /stats',
      '',
    ].join('\n'),
  );
  const entry = startProcess('haproxy', 'haproxy', ['-f', cfg, '-db']);
  const lb = { port, url: `http://127.0.0.1:${port}`, internalUrl: internal ? `http://127.0.0.1:${internalPort}` : undefined, statsUrl: `http://127.0.0.1:${statsPort}/stats;csv`, entry };
  await waitHttp(lb.statsUrl, entry, 10_000);
  return lb;
}

function maxConnections() {
  const limit = Number(spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim()) || 4096;
  return Math.max(1000, Math.min(50_000, Math.floor(limit / 2) - 100));
}

/** HAProxy's view of each server: name → 'UP' | 'DOWN' | … (its CSV stats). */
export async function serverStates(lb) {
  const csv = await (await fetch(lb.statsUrl)).text();
  const states = {};
  for (const line of csv.split('\n')) {
    const cols = line.split(',');
    if (cols[0] === 'gateways' && cols[1] !== 'BACKEND' && cols[1] !== 'FRONTEND') states[cols[1]] = cols[17];
  }
  return states;
}

/** Waits until HAProxy reports `name` as `state` (UP / DOWN). */
export async function untilServer(lb, name, state, limitMs = 20_000) {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    const s = (await serverStates(lb))[name] ?? '';
    if (s.startsWith(state)) return;
    await sleep(100);
  }
  throw new Error(`HAProxy did not see ${name} ${state} within ${limitMs} ms`);
}
