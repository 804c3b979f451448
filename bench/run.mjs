// npm run bench — fan-out throughput and memory per socket of the gateway, reported as ratios
// against a bare Socket.IO server measured in the same run on the same machine.
// Loopback only; every loop is bounded in count and time.
import 'reflect-metadata';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { createServer as createNetServer, connect as netConnect } from 'node:net';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import jwt from 'jsonwebtoken';
import { loadConfig } from '../dist/config/load-config.js';
import { createApp } from '../dist/create-app.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 200);
const EMITS = Number(process.env.BENCH_EMITS ?? 200);
const SECRET = 'bench-secret-0123456789abcdef';
const INTERNAL = 'bench-internal-secret';
const LIMIT_MS = 60_000;

function connectAll(url, tokenFor) {
  return Promise.all(
    Array.from({ length: CLIENTS }, (_, i) => new Promise((resolve, reject) => {
      const s = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token: tokenFor(i) } });
      s.once('connect', () => resolve(s));
      s.once('connect_error', reject);
    })),
  );
}

/** Resolves when every client received `expected` copies of `event`; returns elapsed ms. */
function deliveries(clients, event, expected, fire) {
  return new Promise((resolve, reject) => {
    let remaining = clients.length * expected;
    const start = process.hrtime.bigint();
    const timer = setTimeout(() => reject(new Error(`bench timed out with ${remaining} deliveries missing`)), LIMIT_MS);
    for (const c of clients) c.on(event, () => {
      if (--remaining === 0) {
        clearTimeout(timer);
        resolve(Number(process.hrtime.bigint() - start) / 1e6);
      }
    });
    fire().catch(reject);
  });
}

async function heapAfter(fn) {
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  const result = await fn();
  global.gc?.();
  return { result, bytes: process.memoryUsage().heapUsed - before };
}

/** Fire `EMITS` POSTs with the same body shape the gateway takes. */
async function postEmits(url, users, auth) {
  for (let i = 0; i < EMITS; i++) {
    const res = await fetch(`${url}/internal/emit`, {
      method: 'POST',
      headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), 'content-type': 'application/json' },
      body: JSON.stringify({ userIds: users, event: 'notification:new', payload: { i, title: 'hello' } }),
    });
    if (!res.ok) throw new Error(`emit failed: ${res.status}`);
    await res.arrayBuffer();
  }
}

const USERS = Array.from({ length: CLIENTS }, (_, i) => `u${i}`);

/** The minimal hand-written push server: no auth, no validation, one room per user. */
async function baseline() {
  let server;
  const http = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const { userIds, event, payload } = JSON.parse(body);
      server.to(userIds.map((u) => `user:${u}`)).emit(event, payload);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  server = new Server(http);
  server.on('connection', (s) => s.join(`user:${s.handshake.auth.token}`));
  await new Promise((r) => http.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${http.address().port}`;
  const { result: clients, bytes } = await heapAfter(() => connectAll(url, (i) => USERS[i]));
  const ms = await deliveries(clients, 'notification:new', EMITS, () => postEmits(url, USERS));
  clients.forEach((c) => c.close());
  await new Promise((r) => server.close(r));
  return { ms, bytes };
}

async function gateway(env) {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', JWT_SECRET: SECRET, INTERNAL_SECRET: INTERNAL, LOG_LEVEL: 'error', RATE_LIMIT_MAX_CONNECTIONS: '1000000', ...env });
  const { app, port } = await createApp(config);
  const url = `http://127.0.0.1:${port}`;
  const { result: clients, bytes } = await heapAfter(() =>
    connectAll(url, (i) => jwt.sign({ sub: USERS[i], session_id: `s${i}` }, SECRET, { expiresIn: 3600 })),
  );
  const ms = await deliveries(clients, 'notification:new', EMITS, () => postEmits(url, USERS, INTERNAL));
  clients.forEach((c) => c.close());
  await app.close();
  return { ms, bytes };
}

/** A private redis-server on a free port, when one is installed (as for the tests). */
async function startRedis() {
  if (spawnSync('redis-server', ['--version']).status !== 0) return undefined;
  const port = await new Promise((resolve) => {
    const srv = createNetServer().listen(0, '127.0.0.1', () => {
      const p = srv.address().port;
      srv.close(() => resolve(p));
    });
  });
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    const up = await new Promise((resolve) => {
      const sock = netConnect(port, '127.0.0.1', () => sock.end(() => resolve(true)));
      sock.on('error', () => resolve(false));
    });
    if (up) return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill('SIGKILL');
  return undefined;
}

const fmt = (n) => n.toFixed(2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Median of ROUNDS runs, so one noisy run does not decide the ratio. */
async function median(run) {
  const runs = [];
  for (let i = 0; i < ROUNDS; i++) runs.push(await run());
  const mid = (key) => runs.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  return { ms: mid('ms'), bytes: mid('bytes') };
}

const base = await median(baseline);
const rows = [['bare Socket.IO + HTTP handler (baseline)', base]];
rows.push(['gateway, memory engine', await median(() => gateway({}))]);
const redis = await startRedis();
if (redis) {
  try {
    rows.push(['gateway, Redis engine', await median(() => gateway({ REDIS_URL: redis.url, SOCKET_CONTROL_PREFIX: `bench:${Date.now()}` }))]);
  } finally {
    redis.stop();
  }
}

const total = CLIENTS * EMITS;
process.stdout.write(`\n${CLIENTS} clients × ${EMITS} emits = ${total} deliveries per run, median of ${ROUNDS} runs (ratios vs baseline; lower time is better)\n\n`);
process.stdout.write('| setup | time ratio | deliveries/s ratio | heap per socket ratio | heap per socket |\n| --- | --- | --- | --- | --- |\n');
for (const [name, r] of rows) {
  process.stdout.write(`| ${name} | ${fmt(r.ms / base.ms)} | ${fmt(base.ms / r.ms)} | ${fmt(r.bytes / Math.max(1, base.bytes))} | ${(r.bytes / CLIENTS / 1024).toFixed(1)} KiB |\n`);
}
process.exit(0);
