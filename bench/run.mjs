// npm run bench — the gateway against a bare Socket.IO peer (bench/peer.mjs), measured in the
// same run with the same out-of-process load generator (bench/loadgen.mjs).
//
// Servers run pinned to CPU 0, this process (the publisher) and the load generator workers to
// CPU 1 (`taskset`, when it exists and the host has 2+ CPUs). Loopback only, free ports only,
// every loop bounded in count and time; every process it starts is stopped, also on error or
// Ctrl-C (and by a watchdog if this process is killed outright). It asserts nothing on time:
// exit 0 when the run completed, 1 when it could not run.
//
// Settings (environment): BENCH_CONNECTIONS [5000], BENCH_WORKERS [2], BENCH_LADDER
// [500,1000,2000,4000,8000] msg/s, BENCH_BATCH_LADDER [1000,2000,4000,8000,16000] msg/s,
// BENCH_STEP_SECONDS [5], BENCH_EMIT_REQUESTS [20000], BENCH_BROADCASTS [5], BENCH_REDIS [0]
// (1: also the Redis engine, 2 nodes + a private redis-server), BENCH_CONNECT_CONCURRENCY [100],
// BENCH_BUDGET_SECONDS [540] (no ladder step starts after it), BENCH_OUT [bench/results/...],
// BENCH_CHART [beside BENCH_OUT, .svg] (the chart of the run, bench/chart.mjs; docs/performance.svg
// is one).
import { fork, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuUs as ownCpuUs, nowUs, summarize } from './loadgen.mjs';
import { Publisher, closedLoop, rateStep } from './publish.mjs';
import { startWatchdog } from '../scripts/watchdog.mjs';
import { renderChart } from './chart.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const int = (name, def, min = 1, max = 1_000_000) => {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) fatal(`${name} must be an integer in ${min}..${max}, got "${raw}"`);
  return n;
};
const list = (name, def) => {
  const raw = env[name];
  if (!raw) return def;
  const steps = raw.split(',').map((s) => Number(s.trim()));
  if (steps.length === 0 || steps.length > 20 || steps.some((n) => !Number.isFinite(n) || n <= 0 || n > 1_000_000)) {
    fatal(`${name} must be a comma-separated list of 1..20 positive rates, got "${raw}"`);
  }
  return steps;
};

function fatal(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(1);
}

const SETTINGS = {
  connections: int('BENCH_CONNECTIONS', 5000, 1, 200_000),
  workers: int('BENCH_WORKERS', 2, 1, 8),
  ladder: list('BENCH_LADDER', [500, 1000, 2000, 4000, 8000]),
  batchLadder: list('BENCH_BATCH_LADDER', [1000, 2000, 4000, 8000, 16000]),
  stepSeconds: int('BENCH_STEP_SECONDS', 5, 1, 60),
  emitRequests: int('BENCH_EMIT_REQUESTS', 20_000, 100, 1_000_000),
  broadcasts: int('BENCH_BROADCASTS', 5, 1, 50),
  batchSize: 10,
  p99LimitMs: 250,
  connectConcurrency: int('BENCH_CONNECT_CONCURRENCY', 100, 1, 10_000),
  redis: env.BENCH_REDIS === '1',
  /** Past this many seconds of the whole run, no further ladder step starts (the run stays under 10 min). */
  budgetSeconds: int('BENCH_BUDGET_SECONDS', 540, 10, 86_400),
};
const BUDGET_END = Date.now() + SETTINGS.budgetSeconds * 1000;
const JWT_SECRET = randomBytes(24).toString('hex');
const INTERNAL_SECRET = randomBytes(24).toString('hex');
const EVENT = 'bench';

const log = (line) => process.stderr.write(`[bench] ${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- processes ------------------------------------------------------------------------------

const HAS_TASKSET = spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
const CPUS = availableParallelism();
const PIN = HAS_TASKSET && CPUS >= 2;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** SIGKILLs every tracked pid when this process dies without cleaning up. */
const watchdog = startWatchdog();

const children = new Set();

function track(child, name) {
  const entry = { child, name, exited: false, tail: '' };
  children.add(entry);
  watchdog.watch(child.pid);
  entry.exit = new Promise((done) => {
    child.once('exit', (code, signal) => {
      entry.exited = true;
      children.delete(entry);
      watchdog.forget(child.pid);
      done({ code, signal });
    });
  });
  child.on('error', (err) => (entry.tail += `\n${err.message}`));
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8').on('data', (d) => (entry.tail = (entry.tail + d).slice(-4000)));
  }
  return entry;
}

/** Spawns `cmd args` pinned to `cpu` (with taskset; the pid stays the command's own: taskset execs). */
function startProcess(name, cmd, args, { cpu, cwd, extraEnv }) {
  const [file, argv] = PIN ? ['taskset', ['-c', String(cpu), cmd, ...args]] : [cmd, args];
  const child = spawn(file, argv, { cwd, env: { PATH: env.PATH ?? '', ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  return track(child, name);
}

async function stopProcess(entry, graceMs = 10_000) {
  if (entry.exited) return;
  entry.child.kill('SIGTERM');
  const timer = setTimeout(() => entry.child.kill('SIGKILL'), graceMs);
  await entry.exit;
  clearTimeout(timer);
}

let cleaning;
function cleanup() {
  cleaning ??= (async () => {
    await Promise.all([...children].map((e) => stopProcess(e, 3000)));
    watchdog.end();
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: stopping every process the bench started`);
    void cleanup().finally(() => process.exit(130));
  });
}

async function freePort() {
  const srv = createServer();
  await new Promise((r, j) => srv.once('error', j).listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

async function waitHttp(url, entry, limitMs = 30_000) {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (entry.exited) throw new Error(`${entry.name} exited during start-up:\n${entry.tail.trim()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${entry.name} did not answer ${url} within ${limitMs} ms:\n${entry.tail.trim()}`);
}

async function waitRedis(port, entry, limitMs = 10_000) {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (entry.exited) throw new Error(`redis-server exited during start-up:\n${entry.tail.trim()}`);
    const pong = await new Promise((done) => {
      const sock = netConnect(port, '127.0.0.1', () => sock.write('PING\r\n'));
      sock.setTimeout(1000, () => sock.destroy());
      sock.on('data', (d) => {
        done(d.toString().startsWith('+PONG'));
        sock.destroy();
      });
      sock.on('error', () => done(false));
      sock.on('close', () => done(false));
    });
    if (pong) return;
    await sleep(50);
  }
  throw new Error(`redis-server did not answer PING within ${limitMs} ms`);
}

/** utime + stime of `pid` in µs (fields 14 and 15 of /proc/<pid>/stat, in clock ticks). */
function cpuUs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
}

/** VmRSS of `pid` in KiB. */
function rssKb(pid) {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : NaN;
}

const sum = (pids, fn) => pids.reduce((acc, pid) => acc + fn(pid), 0);

// ---- load generator workers -------------------------------------------------------------------

class Worker {
  constructor(index) {
    this.index = index;
    this.pending = new Map();
    this.seq = 0;
    // Forked from this process, so they inherit its CPU pinning (CPU 1).
    this.child = fork(join(ROOT, 'bench/loadgen.mjs'), ['--worker'], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { PATH: env.PATH ?? '' },
    });
    this.entry = track(this.child, `loadgen worker ${index}`);
    this.ready = new Promise((done, fail) => {
      this.child.on('message', (msg) => {
        if (msg.ready) return done();
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        clearTimeout(p.timer);
        if (msg.error) p.reject(new Error(`loadgen worker ${index}: ${msg.error}`));
        else p.resolve(msg.result);
      });
      void this.entry.exit.then(({ code, signal }) => {
        const err = new Error(`loadgen worker ${index} exited (${code ?? signal})`);
        fail(err);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
    });
  }

  call(cmd, args, timeoutMs = 30_000) {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`loadgen worker ${this.index}: ${cmd} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.child.send({ id, cmd, args });
    });
  }
}

let workers = [];
const allStats = () => Promise.all(workers.map((w) => w.call('stats')));
const resetAll = () => Promise.all(workers.map((w) => w.call('reset')));

/**
 * CPU used by the client side (load generator workers + this publisher), to tell whether a
 * figure is the server's limit or the client's: `start()` then `percent()` (of one core).
 */
async function clientCpu() {
  const total = async () => (await allStats()).reduce((a, s) => a + s.cpuUs, 0) + ownCpuUs();
  const cpu0 = await total();
  const t0 = nowUs();
  return { percent: async () => round1((100 * ((await total()) - cpu0)) / (nowUs() - t0)) };
}

/** Waits until the workers received `expected` events, progress stalls for 2 s, or 15 s pass. */
async function drain(expected) {
  const deadline = Date.now() + 15_000;
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const stats = await allStats();
    const received = stats.reduce((a, s) => a + s.received, 0);
    if (received !== last) {
      last = received;
      lastChange = Date.now();
    }
    if (received >= expected || Date.now() - lastChange > 2000 || Date.now() > deadline) {
      const maxUs = Math.max(...stats.map((s) => s.maxUs));
      const lat = summarize(stats.map((s) => s.hist), maxUs);
      return { received, open: stats.reduce((a, s) => a + s.open, 0), ...lat };
    }
    await sleep(50);
  }
}

// ---- the measurements -----------------------------------------------------------------------

const round1 = (n) => (n === null || n === undefined || Number.isNaN(n) ? null : Math.round(n * 10) / 10);

async function measureEmitCpu(server) {
  const pub = new Publisher(server.urls[0], INTERNAL_SECRET, 8);
  const body = { userId: 'nobody', event: EVENT, payload: { t: 0, text: 'hello' } };
  try {
    await closedLoop(pub, '/internal/emit', body, { requests: 2000, concurrency: 8, limitMs: 10_000 }); // warm-up
    const before = sum(server.cpuPids, cpuUs);
    const run = await closedLoop(pub, '/internal/emit', body, { requests: SETTINGS.emitRequests, concurrency: 8, limitMs: 20_000 });
    const cpu = sum(server.cpuPids, cpuUs) - before;
    return {
      requests: run.done,
      failed: run.failed,
      seconds: run.ms / 1000,
      requestsPerSecond: round1((run.done / run.ms) * 1000),
      cpuUsPerRequest: round1(cpu / run.done),
    };
  } finally {
    pub.close();
  }
}

async function connectRamp(server) {
  const n = SETTINGS.connections;
  const per = Math.ceil(n / workers.length);
  await sleep(3000); // start-up allocations settle before the baseline
  const rssBefore = sum(server.pids, rssKb);
  const limitMs = Math.max(60_000, n * 20);
  const client = await clientCpu();
  const parts = await Promise.all(
    workers.map((w, k) =>
      w.call(
        'connect',
        {
          urls: server.urls,
          first: k * per,
          count: Math.max(0, Math.min(per, n - k * per)),
          secret: JWT_SECRET,
          concurrency: Math.max(1, Math.round(SETTINGS.connectConcurrency / workers.length)),
          handshakeTimeoutMs: 30_000,
          limitMs,
        },
        limitMs + 15_000,
      ),
    ),
  );
  const startUs = Math.min(...parts.map((p) => p.startUs));
  const endUs = Math.max(...parts.map((p) => p.endUs));
  const connected = parts.reduce((a, p) => a + p.connected, 0);
  const clientCpuPercent = await client.percent();
  const errors = {};
  for (const p of parts) for (const [k, v] of Object.entries(p.errors)) errors[k] = (errors[k] ?? 0) + v;
  await sleep(3000); // let joins, presence writes and allocations settle
  const rssAfter = sum(server.pids, rssKb);
  const seconds = (endUs - startUs) / 1e6;
  return {
    attempted: n,
    connected,
    refused: parts.reduce((a, p) => a + p.refused, 0),
    failed: parts.reduce((a, p) => a + p.failed, 0),
    errors,
    seconds: round1(seconds),
    handshakesPerSecond: round1(connected / seconds),
    clientCpuPercent,
    rssBeforeKb: rssBefore,
    rssAfterKb: rssAfter,
    rssPerConnectionKb: connected > 0 ? round1((rssAfter - rssBefore) / connected) : null,
  };
}

async function broadcast(server, connected) {
  const pub = new Publisher(server.urls[0], INTERNAL_SECRET, 1);
  const rounds = [];
  try {
    for (let i = 0; i < SETTINGS.broadcasts; i++) {
      await resetAll();
      const res = await pub.post('/internal/emit', { room: 'chat:bench', event: EVENT, payload: { t: nowUs(), s: i } });
      const done = await drain(res.status === 200 ? connected : 0);
      rounds.push({ status: res.status, received: done.received, lost: Math.max(0, connected - done.received), lastMs: done.maxMs, p50Ms: done.p50Ms });
      await sleep(300);
    }
  } finally {
    pub.close();
  }
  const last = rounds.map((r) => r.lastMs ?? Infinity).sort((a, b) => a - b);
  return {
    sockets: connected,
    rounds,
    medianLastMs: round1(last[Math.floor(last.length / 2)]),
    lost: rounds.reduce((a, r) => a + r.lost, 0),
    failed: rounds.filter((r) => r.status !== 200).length,
  };
}

/** Checks one emit answer: resolves [deliveries promised, error or null]. */
function checkEmit(body) {
  const r = body?.data?.recipients;
  if (!body?.ok || !r) return [0, `error ${body?.error?.code ?? 'no data'}`];
  if (r.failed > 0 || r.sent !== r.total) return [r.sent, 'recipient offline'];
  return [r.sent, null];
}

async function ladder(server, users, { batch }) {
  const steps = [];
  const per = batch ? SETTINGS.batchSize : 1;
  const path = batch ? '/internal/emit/batch' : '/internal/emit';
  const publishers = server.urls.map((u) => new Publisher(u, INTERNAL_SECRET, 32));
  let stoppedByBudget = false;
  try {
    if (batch) {
      const probe = await publishers[0].post(path, { items: [{ userId: 'nobody', event: EVENT, payload: { t: 0 } }] });
      if (probe.status === 404) return { available: false, steps, best: null };
    }
    let next = 0;
    for (const rate of batch ? SETTINGS.batchLadder : SETTINGS.ladder) {
      if (Date.now() > BUDGET_END) {
        log(`  ${server.name}: time budget (BENCH_BUDGET_SECONDS=${SETTINGS.budgetSeconds}) spent, no step from ${rate} msg/s on`);
        stoppedByBudget = true;
        break;
      }
      await resetAll();
      const posts = Math.max(1, Math.round((rate * SETTINGS.stepSeconds) / per));
      const client = await clientCpu();
      const step = await rateStep({
        publishers,
        path,
        posts,
        seconds: SETTINGS.stepSeconds,
        // With 2 nodes, socket k is on node k % 2: pairs of requests go to one node, so half the
        // messages reach a socket on the other node.
        publisherFor: (i) => Math.floor(i / 2) % publishers.length,
        bodyFor: (i, dueUs) => {
          if (!batch) return { userId: users[next++ % users.length], event: EVENT, payload: { t: dueUs, s: i } };
          const items = [];
          for (let k = 0; k < per; k++) items.push({ userId: users[next++ % users.length], event: EVENT, payload: { t: dueUs, s: i * per + k } });
          return { items };
        },
        check: (res) => {
          if (res.status !== 200) return [0, `HTTP ${res.status} ${res.body?.error?.code ?? ''}`.trim()];
          if (!batch) return checkEmit(res.body);
          const results = res.body?.data?.results;
          if (!Array.isArray(results)) return [0, 'no results'];
          let promised = 0;
          let error = null;
          for (const item of results) {
            const [n, err] = item.ok ? checkEmit(item) : [0, `item ${item.error?.code ?? 'failed'}`];
            promised += n;
            error ??= err;
          }
          return [promised, error];
        },
      });
      const clientCpuPercent = await client.percent();
      const done = await drain(step.expected);
      const messages = step.ok * per;
      const lost = Math.max(0, step.expected - done.received);
      const pass = step.failed === 0 && step.abandoned === 0 && lost === 0 && done.p99Ms !== null && done.p99Ms <= SETTINGS.p99LimitMs;
      const row = {
        rate,
        pass,
        posts,
        messages,
        sentPerSecond: round1(messages / step.sendSeconds),
        failedPublishes: step.failed,
        abandoned: step.abandoned,
        errors: step.errors,
        expected: step.expected,
        received: done.received,
        lost,
        p50Ms: round1(done.p50Ms),
        p99Ms: round1(done.p99Ms),
        maxMs: round1(done.maxMs),
        answerP50Ms: round1(step.answer.p50Ms),
        answerP99Ms: round1(step.answer.p99Ms),
        clientCpuPercent,
      };
      steps.push(row);
      log(
        `  ${server.name} ${batch ? 'batch' : 'fan-out'} ${rate} msg/s: ${pass ? 'pass' : 'FAIL'} ` +
          `(p99 ${row.p99Ms} ms, answers p99 ${row.answerP99Ms} ms, lost ${lost}, failed ${step.failed}${step.abandoned ? `, abandoned ${step.abandoned}` : ''}; ` +
          `client CPU ${clientCpuPercent} %)`,
      );
      if (!pass) break;
      await sleep(1000);
    }
  } finally {
    for (const p of publishers) p.close();
  }
  const passed = steps.filter((s) => s.pass);
  return { available: true, steps, stoppedByBudget, best: passed.length ? passed[passed.length - 1].rate : null };
}

/** CPU per emit on a server of its own (started for it), so the heap it leaves behind does not hide the sockets' memory. */
async function measureEmit(start) {
  const server = await start();
  try {
    log(`${server.label}: CPU per POST /internal/emit (closed loop, 8 concurrent, no sockets)`);
    const emit = await measureEmitCpu(server);
    log(`  ${emit.cpuUsPerRequest} µs per request over ${emit.requests} requests (${emit.failed} failed)`);
    return emit;
  } finally {
    await server.stop();
  }
}

async function measure(server) {
  const r = { name: server.name, label: server.label };
  log(`${server.label}: connecting ${SETTINGS.connections} sockets`);
  r.connect = await connectRamp(server);
  log(
    `  ${r.connect.connected} connected in ${r.connect.seconds} s (${r.connect.handshakesPerSecond}/s; client CPU ${r.connect.clientCpuPercent} %), ` +
      `${r.connect.rssPerConnectionKb} KiB RSS per connection`,
  );
  if (r.connect.refused + r.connect.failed > 0) log(`  refused ${r.connect.refused}, failed ${r.connect.failed}: ${JSON.stringify(r.connect.errors)}`);
  const stats = await allStats();
  const open = stats.reduce((a, s) => a + s.open, 0);
  if (open === 0) throw new Error(`${server.label}: no socket connected`);
  log(`${server.label}: broadcast to the room of all ${open} sockets`);
  r.broadcast = await broadcast(server, open);
  log(`  time until the last socket: median ${r.broadcast.medianLastMs} ms, lost ${r.broadcast.lost}`);
  // Users whose socket did not connect (reported above) are left out of the targets.
  const targets = open === SETTINGS.connections ? Array.from({ length: open }, (_, i) => `u${i}`) : await connectedUsers();
  log(`${server.label}: targeted fan-out ladder (1 message per POST)`);
  r.fanout = await ladder(server, targets, { batch: false });
  log(`${server.label}: batch ladder (${SETTINGS.batchSize} messages per POST /internal/emit/batch)`);
  r.batch = await ladder(server, targets, { batch: true });
  if (!r.batch.available) log('  POST /internal/emit/batch answers 404: n/a');
  await Promise.all(workers.map((w) => w.call('closeAll')));
  // What the servers printed (warnings and errors only, at LOG_LEVEL=warn): the end of it.
  r.serverOutput = Object.fromEntries(server.entries.filter((e) => e.tail.trim()).map((e) => [e.name, e.tail.slice(-2000)]));
  return r;
}

async function connectedUsers() {
  const lists = await Promise.all(workers.map((w) => w.call('openUsers')));
  return lists.flat();
}

// ---- the servers ----------------------------------------------------------------------------

async function startPeer() {
  const port = await freePort();
  const entry = startProcess('peer', process.execPath, [join(ROOT, 'bench/peer.mjs')], {
    cpu: 0,
    cwd: ROOT,
    extraEnv: { PORT: String(port), HOST: '127.0.0.1', JWT_SECRET, INTERNAL_SECRET },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/health`, entry);
  return { name: 'peer', label: 'bare Socket.IO peer', urls: [url], pids: [entry.child.pid], cpuPids: [entry.child.pid], entries: [entry], stop: () => stopProcess(entry) };
}

function gatewayEnv(port, extra = {}) {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    PORT: String(port),
    HOST: '127.0.0.1',
    JWT_SECRET,
    INTERNAL_SECRET,
    RATE_LIMIT_MAX_CONNECTIONS: '100000000',
    EMIT_ALLOWED_EVENTS: EVENT,
    ...extra,
  };
}

async function startGateway() {
  const port = await freePort();
  const cwd = mkdtempSync(join(tmpdir(), 'bench-gateway-')); // no stray .env gets read
  const entry = startProcess('gateway', process.execPath, [join(ROOT, 'dist/main.js')], { cpu: 0, cwd, extraEnv: gatewayEnv(port) });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopProcess(entry);
    rmSync(cwd, { recursive: true, force: true });
  };
  try {
    await waitHttp(`${url}/health/live`, entry);
  } catch (err) {
    await stop();
    throw err;
  }
  return { name: 'gateway', label: 'gateway (memory engine)', urls: [url], pids: [entry.child.pid], cpuPids: [entry.child.pid], entries: [entry], stop };
}

/** Whether the peer can use the classic Redis adapter (not a dependency: only when installed). */
async function peerAdapterInstalled() {
  try {
    await import('@socket.io/redis-adapter');
    return true;
  } catch {
    return false;
  }
}

/** Two nodes (gateways with the Redis engine, or peers with @socket.io/redis-adapter) sharing a private redis-server. */
async function startRedisPair(kind) {
  const redisPort = await freePort();
  const cwd = mkdtempSync(join(tmpdir(), 'bench-redis2-'));
  const entries = [];
  const stop = async () => {
    await Promise.all(entries.filter((e) => e.name !== 'redis-server').map((e) => stopProcess(e)));
    await Promise.all(entries.filter((e) => e.name === 'redis-server').map((e) => stopProcess(e)));
    rmSync(cwd, { recursive: true, force: true });
  };
  try {
    const redisArgs = ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', cwd];
    const redis = startProcess('redis-server', 'redis-server', redisArgs, { cpu: 0, cwd, extraEnv: {} });
    entries.push(redis);
    await waitRedis(redisPort, redis);
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    const prefix = `bench:${randomBytes(4).toString('hex')}`;
    const urls = [];
    for (let k = 0; k < 2; k++) {
      const port = await freePort();
      const node =
        kind === 'gateway'
          ? startProcess(`gateway node ${k + 1}`, process.execPath, [join(ROOT, 'dist/main.js')], {
              cpu: 0,
              cwd,
              extraEnv: gatewayEnv(port, { REDIS_URL: redisUrl, SOCKET_CONTROL_PREFIX: prefix }),
            })
          : startProcess(`peer node ${k + 1}`, process.execPath, [join(ROOT, 'bench/peer.mjs')], {
              cpu: 0,
              cwd: ROOT,
              extraEnv: { PORT: String(port), HOST: '127.0.0.1', JWT_SECRET, INTERNAL_SECRET, PEER_REDIS_URL: redisUrl },
            });
      entries.push(node);
      urls.push(`http://127.0.0.1:${port}`);
      await waitHttp(kind === 'gateway' ? `${urls[k]}/health/ready` : `${urls[k]}/health`, node);
    }
    const nodePids = entries.filter((e) => e.name !== 'redis-server').map((e) => e.child.pid);
    return {
      name: `${kind}Redis2`,
      label: kind === 'gateway' ? 'gateway (Redis engine, 2 nodes)' : 'bare peer (redis-adapter, 2 nodes)',
      urls,
      pids: nodePids,
      cpuPids: [...nodePids, redis.child.pid],
      entries,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

// ---- report ---------------------------------------------------------------------------------

const fmt = (n, digits = 1) => (n === null || n === undefined || !Number.isFinite(n) ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits }));
const ratio = (a, b) => (a === null || b === null || a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? null : a / b);

function whyFailed(step) {
  const reasons = [];
  if (step.p99Ms === null || step.p99Ms > SETTINGS.p99LimitMs) reasons.push(`p99 ${fmt(step.p99Ms, 0)} ms`);
  if (step.lost > 0) reasons.push(`${fmt(step.lost, 0)} lost`);
  if (step.failedPublishes > 0) reasons.push(`${fmt(step.failedPublishes, 0)} failed`);
  if (step.abandoned > 0) reasons.push(`${fmt(step.abandoned, 0)} not sent`);
  return reasons.join(', ') || 'failed';
}

function bestText(ladderResult) {
  if (!ladderResult) return '—';
  if (!ladderResult.available) return 'n/a (404)';
  if (ladderResult.best === null) {
    const first = ladderResult.steps[0];
    if (!first && ladderResult.stoppedByBudget) return 'not run (time budget)';
    return first ? `none (fails at ${fmt(first.rate, 0)}: ${whyFailed(first)})` : '—';
  }
  return `${fmt(ladderResult.best, 0)} msg/s${ladderResult.stoppedByBudget ? ' (budget: ladder cut short)' : ''}`;
}

/** The figures of the table: label, value of a result, how to print it. */
const FIGURES = [
  {
    key: 'handshakesPerSecond',
    label: () => `handshakes per second (${fmt(SETTINGS.connections, 0)}-socket ramp)`,
    value: (r) => r?.connect?.handshakesPerSecond,
    text: (r) => fmt(r?.connect?.handshakesPerSecond, 0),
  },
  {
    key: 'rssPerConnection',
    label: () => 'server RSS per connection (KiB)',
    value: (r) => r?.connect?.rssPerConnectionKb,
    text: (r) => fmt(r?.connect?.rssPerConnectionKb),
  },
  {
    key: 'cpuPerEmit',
    label: () => 'server CPU per POST /internal/emit (µs, no sockets)',
    value: (r) => r?.emit?.cpuUsPerRequest,
    text: (r) => fmt(r?.emit?.cpuUsPerRequest),
  },
  {
    key: 'fanoutBest',
    label: () => `targeted fan-out, 1 msg per POST: best step (p99 ≤ ${SETTINGS.p99LimitMs} ms, none lost)`,
    value: (r) => r?.fanout?.best,
    text: (r) => bestText(r?.fanout),
  },
  {
    key: 'broadcastLast',
    label: () => `broadcast to ${fmt(SETTINGS.connections, 0)} sockets: time until the last (ms, median)`,
    value: (r) => r?.broadcast?.medianLastMs,
    text: (r) => fmt(r?.broadcast?.medianLastMs),
  },
  {
    key: 'batchBest',
    label: () => `batch, ${SETTINGS.batchSize} msgs per POST /internal/emit/batch: best step`,
    value: (r) => r?.batch?.best,
    text: (r) => bestText(r?.batch),
  },
];

function ratios(gateway, peer) {
  return Object.fromEntries(FIGURES.map((f) => [f.key, ratio(f.value(gateway), f.value(peer))]));
}

function table(results) {
  const pairs = [['gateway', 'peer', 'gateway', 'bare peer']];
  if (results.gatewayRedis2 || results.peerRedis2) pairs.push(['gatewayRedis2', 'peerRedis2', 'gateway Redis ×2', 'peer Redis ×2']);
  const head = ['figure'];
  for (const [, , gl, pl] of pairs) head.push(gl, pl, 'ratio');
  const rows = [head];
  for (const f of FIGURES) {
    const row = [f.label()];
    for (const [g, p] of pairs) {
      row.push(results[g] ? f.text(results[g]) : '—', results[p] ? f.text(results[p]) : '—', fmt(ratio(f.value(results[g]), f.value(results[p])), 2));
    }
    rows.push(row);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r) => `| ${r.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  return [line(rows[0]), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.slice(1).map(line)].join('\n');
}

/** Says when the client side (CPU 1) was near saturation, so a figure may be the client's limit. */
function clientNotes(results) {
  const notes = [];
  for (const [name, r] of Object.entries(results)) {
    const steps = [...(r.fanout?.steps ?? []), ...(r.batch?.steps ?? [])];
    const peak = Math.max(r.connect?.clientCpuPercent ?? 0, ...steps.map((s) => s.clientCpuPercent ?? 0));
    if (peak >= 85) notes.push(`${name}: the load generator + publisher used up to ${fmt(peak, 0)} % of their CPU: figures near that point may be the client's limit.`);
  }
  return notes;
}

// ---- main -----------------------------------------------------------------------------------

async function main() {
  const started = new Date();
  let pinning = 'unpinned: taskset not found';
  if (HAS_TASKSET && CPUS < 2) pinning = `unpinned: only ${CPUS} CPU`;
  if (PIN) {
    const self = spawnSync('taskset', ['-a', '-cp', '1', String(process.pid)], { stdio: 'ignore' });
    pinning = self.status === 0 ? 'servers on CPU 0, load generator and publisher on CPU 1' : 'servers on CPU 0; could not pin the load generator (taskset -p failed)';
  }
  log(`${SETTINGS.connections} connections, ${SETTINGS.workers} load generator workers; ${pinning}`);
  try {
    readFileSync(join(ROOT, 'dist/main.js'));
  } catch {
    fatal('dist/main.js is missing: run "npm run build" (npm run bench builds first)');
  }

  workers = Array.from({ length: SETTINGS.workers }, (_, k) => new Worker(k));
  await Promise.all(workers.map((w) => w.ready));

  const plan = [
    ['peer', startPeer],
    ['gateway', startGateway],
  ];
  const peerRedis = SETTINGS.redis && (await peerAdapterInstalled());
  if (SETTINGS.redis) plan.push(['gatewayRedis2', () => startRedisPair('gateway')]);
  if (peerRedis) plan.push(['peerRedis2', () => startRedisPair('peer')]);
  const results = {};
  const errors = {};
  for (const [name, start] of plan) {
    let server;
    try {
      const emit = await measureEmit(start);
      server = await start();
      results[name] = { ...(await measure(server)), emit };
    } catch (err) {
      errors[name] = err?.message ?? String(err);
      log(`${name}: could not be measured: ${errors[name]}`);
      await Promise.all(workers.map((w) => w.call('closeAll').catch(() => undefined)));
    } finally {
      await server?.stop();
    }
  }
  await Promise.all(workers.map((w) => stopProcess(w.entry, 3000)));

  const finished = new Date();
  const text = table(results);
  const notes = [
    `${SETTINGS.connections} sockets over ${SETTINGS.workers} load generator processes; ${pinning}.`,
    `Ladders of ${SETTINGS.stepSeconds} s steps; a step passes with p99 ≤ ${SETTINGS.p99LimitMs} ms, nothing lost, no publish failed. Ratios are gateway/peer.`,
    ...(SETTINGS.redis && !peerRedis ? ['Redis: the gateway figures are absolute (the peer side needs @socket.io/redis-adapter, which is not installed).'] : []),
    ...clientNotes(results),
    ...Object.entries(errors).map(([k, v]) => `${k}: not measured: ${v.split('\n')[0]}`),
  ];
  process.stdout.write(`\n${text}\n\n${notes.join('\n')}\n`);

  const out = env.BENCH_OUT ? resolve(env.BENCH_OUT) : join(ROOT, 'bench/results', `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(out), { recursive: true });
  const report = {
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    seconds: Math.round((finished - started) / 1000),
    host: { cpus: CPUS, taskset: HAS_TASKSET, pinning, node: process.version, clockTicks: CLK_TCK },
    settings: SETTINGS,
    results,
    errors,
    ratios: {
      gatewayToPeer: ratios(results.gateway, results.peer),
      ...(SETTINGS.redis ? { gatewayRedis2ToPeerRedis2: ratios(results.gatewayRedis2, results.peerRedis2) } : {}),
    },
    table: text,
  };
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  const chart = env.BENCH_CHART ? resolve(env.BENCH_CHART) : out.replace(/\.json$/, '') + '.svg';
  mkdirSync(dirname(chart), { recursive: true });
  writeFileSync(chart, renderChart(report));
  process.stdout.write(`\nJSON: ${out} (${report.seconds} s)\nChart: ${chart}\n`);
  return Object.keys(errors).length === 0 ? 0 : 1;
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (err) => {
    log(`could not run: ${err?.stack ?? err}`);
    await cleanup();
    process.exit(1);
  });
