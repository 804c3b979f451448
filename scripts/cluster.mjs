// npm run cluster — a local multi-node gateway without Docker: a private redis-server, N gateway
// nodes (node dist/main.js) and HAProxy in front (Debian: apt-get install haproxy), all on
// loopback, on fixed ports. Ctrl-C stops everything.
//
//   npm run cluster -- --nodes 3 --port 3000 --redis-port 6380 --lb-port 8080
//       nodes on :3000, :3001, :3002; Redis on :6380; HAProxy on :8080 (these are the defaults)
//   npm run cluster -- --smoke      # start, push one event through the load balancer, stop (exit 0 = ok)
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import jwt from 'jsonwebtoken';

const USAGE = `Usage: npm run cluster -- [--nodes 3] [--port 3000] [--redis-port 6380] [--lb-port 8080] [--smoke]

  --nodes       gateway nodes, 1 to 16
  --port        the first node's port; node i listens on port + i - 1
  --redis-port  the private redis-server's port
  --lb-port     HAProxy's port (when haproxy is installed)
  --smoke       push one event over each transport through the entry point, then stop
`;

const { values: opts } = parseArgs({
  options: {
    nodes: { type: 'string', default: '3' },
    port: { type: 'string', default: '3000' },
    'redis-port': { type: 'string', default: '6380' },
    'lb-port': { type: 'string', default: '8080' },
    smoke: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

/** A flag's integer in [min, max], or the usage and exit code 2. */
function intFlag(name, min, max) {
  const value = Number(opts[name]);
  if (!Number.isInteger(value) || value < min || value > max) {
    process.stderr.write(`cluster: --${name} must be an integer from ${min} to ${max}\n${USAGE}`);
    process.exit(2);
  }
  return value;
}
const NODES = intFlag('nodes', 1, 16);
const FIRST_PORT = intFlag('port', 1, 65536 - NODES);
const REDIS_PORT = intFlag('redis-port', 1, 65535);
const LB_PORT = intFlag('lb-port', 1, 65535);
const children = [];
const workDir = mkdtempSync(join(tmpdir(), 'gateway-cluster-'));
const say = (line) => process.stdout.write(`${line}\n`);

/** True when nothing listens on `port` of 127.0.0.1 (we could bind it). */
function isFree(port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Fails before anything starts when one of the ports is taken, naming the flag to change. */
async function checkPorts(wanted) {
  const seen = new Set();
  for (const [port, flag] of wanted) {
    if (seen.has(port)) throw new Error(`port ${port} is given twice (${flag}): the nodes use --port to --port + nodes - 1`);
    seen.add(port);
    if (!(await isFree(port))) throw new Error(`port ${port} is in use: choose another with ${flag}`);
  }
}

function start(name, cmd, args, env = {}) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (chunk) => chunk.toString().split('\n').filter(Boolean).forEach((l) => process.stderr.write(`[${name}] ${l}\n`));
  child.stdout.on('data', prefix);
  child.stderr.on('data', prefix);
  child.on('exit', (code, signal) => {
    if (!stopping) say(`[${name}] exited (${signal ?? code})`);
  });
  children.push(child);
  return child;
}

async function waitFor(check, what, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const httpOk = (url) => fetch(url).then((r) => r.ok);

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode ? null : new Promise((r) => c.once('exit', r)))));
  rmSync(workDir, { recursive: true, force: true });
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

async function main() {
  const redisPort = REDIS_PORT;
  const ports = Array.from({ length: NODES }, (_, i) => FIRST_PORT + i);
  const hasHaproxy = spawnSync('haproxy', ['-v']).status === 0;
  await checkPorts([...ports.map((p) => [p, '--port']), [redisPort, '--redis-port'], ...(hasHaproxy ? [[LB_PORT, '--lb-port']] : [])]);
  start('redis', 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', workDir]);
  await waitFor(
    () =>
      new Promise((resolve) => {
        const s = createServer();
        s.once('error', () => resolve(true));
        s.listen(redisPort, '127.0.0.1', () => s.close(() => resolve(false)));
      }),
    'redis-server',
  );

  const jwtSecret = process.env.JWT_SECRET ?? randomBytes(24).toString('base64url');
  const internalSecret = process.env.INTERNAL_SECRET ?? randomBytes(18).toString('base64url');
  for (let i = 1; i <= NODES; i++) {
    const port = ports[i - 1];
    start(`node${i}`, process.execPath, ['dist/main.js'], {
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      JWT_SECRET: jwtSecret,
      INTERNAL_SECRET: internalSecret,
      TRUST_PROXY: 'true',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    });
  }
  await Promise.all(ports.map((p, i) => waitFor(() => httpOk(`http://127.0.0.1:${p}/health/ready`), `node${i + 1}`)));

  let entry = `http://127.0.0.1:${ports[0]}`;
  if (hasHaproxy) {
    const lbPort = LB_PORT;
    const cfg = join(workDir, 'haproxy.cfg');
    writeFileSync(cfg, haproxyConfig(lbPort, ports));
    start('haproxy', 'haproxy', ['-f', cfg, '-db']);
    entry = `http://127.0.0.1:${lbPort}`;
    await waitFor(() => httpOk(`${entry}/health/ready`), 'haproxy');
  } else {
    say('haproxy is not installed (apt-get install haproxy): clients connect to node1 directly.');
  }

  const token = jwt.sign({ sub: 'dev-user', session_id: 'dev-session' }, jwtSecret, { expiresIn: '24h' });
  const body = JSON.stringify({ userId: 'dev-user', event: 'notification:new', payload: { title: 'Hello from the cluster' } });
  say('');
  ports.forEach((p, i) => say(`  node${i + 1}: http://127.0.0.1:${p}`));
  say(`  redis: redis://127.0.0.1:${redisPort}`);
  say(`  entry point: ${entry}${hasHaproxy ? ' (HAProxy; WebSocket and sticky long-polling)' : ''}`);
  say(`  user token for "dev-user" (24 h, any node): ${token}`);
  say(
    process.env.JWT_SECRET
      ? '  more tokens (JWT_SECRET from your environment): npm run token -- --user alice'
      : `  more tokens: JWT_SECRET=${jwtSecret} npm run token -- --user alice`,
  );
  say(`  internal secret: ${internalSecret}`);
  say(`  push: curl -s -X POST ${entry}/internal/emit -H 'Authorization: Bearer ${internalSecret}' -H 'Content-Type: application/json' -d '${body}'`);
  say('');

  if (opts.smoke) await smoke(entry, ports, token, internalSecret);
}

/** Both transports through the entry point; the push goes to another node than the client's. */
async function smoke(entry, ports, token, internalSecret) {
  const { io } = await import('socket.io-client');
  for (const transports of [['websocket'], ['polling']]) {
    // withCredentials: socket.io-client keeps the HAProxy stickiness cookie (a cookie jar in Node too).
    const socket = io(entry, { transports, auth: { token }, reconnection: false, forceNew: true, withCredentials: true });
    await new Promise((resolve, reject) => {
      socket.once('connected', resolve);
      socket.once('connect_error', reject);
    });
    const received = new Promise((resolve) => socket.once('notification:new', resolve));
    const target = `http://127.0.0.1:${ports[ports.length - 1]}`;
    const res = await fetch(`${target}/internal/emit`, {
      method: 'POST',
      headers: { authorization: `Bearer ${internalSecret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'dev-user', event: 'notification:new', payload: { transport: transports[0] } }),
    });
    if (!res.ok) throw new Error(`emit failed: ${res.status}`);
    const payload = await Promise.race([received, new Promise((_, reject) => setTimeout(() => reject(new Error('no event')), 5000))]);
    say(`smoke ${transports[0]}: ${JSON.stringify(payload)}`);
    socket.close();
  }
  say('smoke ok');
  await stop(0);
}

function haproxyConfig(lbPort, ports) {
  return `global
  maxconn 4000
defaults
  mode http
  option forwardfor
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout tunnel 1h
frontend gateway_in
  bind 127.0.0.1:${lbPort}
  default_backend gateways
backend gateways
  balance roundrobin
  # long-polling needs every request of a session on one node: a cookie pins it
  cookie GW_NODE insert indirect nocache httponly
  option httpchk
  http-check send meth GET uri /health/ready
  http-check expect status 200
${ports.map((p, i) => `  server node${i + 1} 127.0.0.1:${p} check inter 2s cookie node${i + 1}`).join('\n')}
`;
}

main().catch((err) => {
  process.stderr.write(`cluster: ${err.message}\n`);
  void stop(1);
});
