// Load generator for `npm run bench`: thousands of Socket.IO v4 clients in one process, spoken
// directly as Engine.IO v4 frames over `ws` (no socket.io-client, no per-connection timers or
// emitters of our own: every socket shares the same handler functions and keeps a few fields).
//
// Used two ways:
// - as a module (`new LoadGen()`), e.g. by the smoke test;
// - as a forked worker (`fork('bench/loadgen.mjs', ['--worker'])`): the parent sends
//   `{ id, cmd, args }` over IPC and gets `{ id, result }` or `{ id, error }` back.
//
// Wire protocol used here (Engine.IO v4 over websocket, Socket.IO v4, namespace `/`):
//   server `0{"sid",...}` open · client `40{"token":"<jwt>"}` connect · server `40{"sid":...}`
//   accepted or `44{...}` refused · server `2` ping → client `3` pong · server `42[event, ...]`.
// Event frames whose name is `event` (default `bench`) are counted; the payload's `"t"` field is
// the publisher's send time in µs of the monotonic clock (shared by every process of the host),
// so latency = receive time − t.
import { createHmac } from 'node:crypto';
import WebSocket from 'ws';

/** Microseconds on CLOCK_MONOTONIC, comparable across processes of the same host. */
export function nowUs() {
  return Number(process.hrtime.bigint() / 1000n);
}

/** CPU time (user + system) this process has used, in µs. */
export function cpuUs() {
  const { user, system } = process.cpuUsage();
  return user + system;
}

const b64url = (value) => Buffer.from(value).toString('base64url');

/** An HS256 JWT signed with node:crypto. */
export function signHs256(claims, secret) {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

/** The token of bench user `i`: `sub` u<i>, session s<i>, member of chat `bench`, valid 2 h. */
export function benchToken(i, secret, prefix = 'u') {
  const iat = Math.floor(Date.now() / 1000);
  return signHs256({ sub: `${prefix}${i}`, session_id: `s${i}`, chats: ['bench'], iat, exp: iat + 7200 }, secret);
}

// Latency histogram: bucket k holds values in (R^(k-1), R^k] µs, R = 1.01 (1 % resolution).
const R = 1.01;
const LOG_R = Math.log(R);
export const HIST_BUCKETS = 2400; // R^2400 µs ≈ 6.8 h: everything fits

export function bucketOf(us) {
  if (us <= 1) return 0;
  return Math.min(HIST_BUCKETS - 1, Math.ceil(Math.log(us) / LOG_R));
}

/** Summary of one or more merged histograms: count, p50, p99, max in ms. */
export function summarize(hists, maxUs) {
  const merged = new Float64Array(HIST_BUCKETS);
  let count = 0;
  for (const h of hists) {
    for (let k = 0; k < HIST_BUCKETS; k++) {
      merged[k] += h[k];
      count += h[k];
    }
  }
  const at = (q) => {
    if (count === 0) return null;
    const rank = Math.ceil(q * count);
    let seen = 0;
    for (let k = 0; k < HIST_BUCKETS; k++) {
      seen += merged[k];
      if (seen >= rank) return Math.min(R ** k, maxUs) / 1000;
    }
    return maxUs / 1000;
  };
  return { count, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: count === 0 ? null : maxUs / 1000 };
}

const CONNECTING = 0;
const OPEN = 1; // Socket.IO connected (`40{"sid"}` received)
const DONE = 2; // refused, failed or closed

export class LoadGen {
  constructor({ event = 'bench' } = {}) {
    this.eventPrefix = `42[${JSON.stringify(event)},`;
    this.sockets = new Set();
    this.open = 0;
    this.resetStats();
    this.ramp = null;
    // Shared handlers: `this` inside them is the WebSocket; `gen` reaches the generator.
    const gen = this;
    this.onMessage = function onMessage(data, isBinary) {
      if (!isBinary) gen.frame(this, data);
    };
    this.onClose = function onClose() {
      gen.closed(this);
    };
    this.onError = function onError(err) {
      gen.failed(this, err.message);
    };
    this.onUnexpected = function onUnexpected(_req, res) {
      gen.failed(this, `HTTP ${res.statusCode}`);
      res.resume();
    };
  }

  resetStats() {
    this.received = 0;
    this.other = 0;
    this.hist = new Uint32Array(HIST_BUCKETS);
    this.maxUs = 0;
  }

  stats() {
    return {
      open: this.open,
      received: this.received,
      other: this.other,
      disconnects: this.disconnects ?? 0,
      hist: this.hist,
      maxUs: this.maxUs,
      cpuUs: cpuUs(),
    };
  }

  /**
   * Opens `count` sockets (socket j goes to urls[(first + j) % urls.length] with token
   * tokenFor(first + j)), at most `concurrency` handshakes in flight; each handshake that takes
   * longer than `handshakeTimeoutMs` counts as failed. Resolves when every attempt settled.
   */
  connect({ urls, first = 0, count, tokenFor, concurrency = 50, handshakeTimeoutMs = 30_000, limitMs = 300_000 }) {
    if (this.ramp) return Promise.reject(new Error('a connect ramp is already running'));
    const wsUrls = urls.map((u) => `${u.replace(/^http/, 'ws').replace(/\/$/, '')}/socket.io/?EIO=4&transport=websocket`);
    return new Promise((resolve) => {
      const ramp = {
        next: 0,
        inFlight: new Set(),
        connected: 0,
        refused: 0,
        failed: 0,
        errors: new Map(),
        startUs: nowUs(),
        endUs: 0,
      };
      this.ramp = ramp;
      const finish = () => {
        clearInterval(sweep);
        this.ramp = null;
        ramp.endUs = nowUs();
        for (const ws of ramp.inFlight) this.failed(ws, 'ramp limit reached');
        resolve({
          attempted: ramp.next,
          connected: ramp.connected,
          refused: ramp.refused,
          failed: ramp.failed,
          errors: Object.fromEntries([...ramp.errors].slice(0, 5)),
          startUs: ramp.startUs,
          endUs: ramp.endUs,
        });
      };
      ramp.pump = () => {
        while (ramp.inFlight.size < concurrency && ramp.next < count) {
          const i = first + ramp.next++;
          const ws = new WebSocket(wsUrls[i % wsUrls.length], { perMessageDeflate: false });
          ws.benchState = CONNECTING;
          ws.benchStart = Date.now();
          ws.benchToken = tokenFor(i);
          ws.benchIndex = i;
          ws.on('message', this.onMessage);
          ws.on('close', this.onClose);
          ws.on('error', this.onError);
          ws.on('unexpected-response', this.onUnexpected);
          ramp.inFlight.add(ws);
          this.sockets.add(ws);
        }
        if (ramp.inFlight.size === 0 && ramp.next >= count) finish();
      };
      ramp.finish = finish;
      const deadline = Date.now() + limitMs;
      // One sweep for all pending handshakes (at most `concurrency` of them), not a timer each.
      const sweep = setInterval(() => {
        const now = Date.now();
        if (now > deadline) return finish();
        for (const ws of ramp.inFlight) if (now - ws.benchStart > handshakeTimeoutMs) this.failed(ws, 'handshake timeout');
        ramp.pump();
      }, 250);
      ramp.pump();
    });
  }

  /** One text frame from the server. */
  frame(ws, data) {
    const c0 = data[0];
    if (c0 === 0x32 /* '2' ping */ && data.length === 1) {
      ws.send('3');
      return;
    }
    if (c0 !== 0x34 /* '4' message */) {
      if (c0 === 0x30 /* '0' open */ && ws.benchState === CONNECTING) ws.send(`40${JSON.stringify({ token: ws.benchToken })}`);
      return;
    }
    const c1 = data[1];
    if (c1 === 0x32 /* '2' event */) {
      const text = data.toString();
      if (!text.startsWith(this.eventPrefix)) {
        this.other++;
        return;
      }
      const at = text.indexOf('"t":', this.eventPrefix.length);
      const t = at < 0 ? NaN : parseFloat(text.slice(at + 4, at + 30));
      this.received++;
      if (Number.isFinite(t)) {
        const lat = nowUs() - t;
        this.hist[bucketOf(lat)]++;
        if (lat > this.maxUs) this.maxUs = lat;
      }
      return;
    }
    if (c1 === 0x30 /* '0' connect */ && ws.benchState === CONNECTING) {
      ws.benchState = OPEN;
      ws.benchToken = undefined;
      this.open++;
      this.settled(ws, 'connected');
      return;
    }
    if (c1 === 0x34 /* '4' connect_error */ && ws.benchState === CONNECTING) {
      let code = 'refused';
      try {
        code = JSON.parse(data.toString().slice(2)).message ?? code;
      } catch {
        // keep the generic label
      }
      ws.benchState = DONE;
      this.settled(ws, 'refused', code);
      ws.terminate();
      return;
    }
    if (c1 === 0x31 /* '1' disconnect */) ws.close();
  }

  settled(ws, outcome, reason) {
    const ramp = this.ramp;
    if (!ramp || !ramp.inFlight.delete(ws)) return;
    ramp[outcome]++;
    ws.benchToken = undefined;
    if (reason) ramp.errors.set(reason, (ramp.errors.get(reason) ?? 0) + 1);
    ramp.pump();
  }

  failed(ws, reason) {
    if (ws.benchState === CONNECTING) {
      ws.benchState = DONE;
      this.settled(ws, 'failed', reason);
    }
    ws.terminate();
  }

  closed(ws) {
    if (ws.benchState === OPEN) {
      this.open--;
      this.disconnects = (this.disconnects ?? 0) + 1;
    } else if (ws.benchState === CONNECTING) {
      ws.benchState = DONE;
      this.settled(ws, 'failed', 'closed during handshake');
    }
    ws.benchState = DONE;
    this.sockets.delete(ws);
  }

  /** The indexes of the sockets that are connected now. */
  openIndexes() {
    const out = [];
    for (const ws of this.sockets) if (ws.benchState === OPEN) out.push(ws.benchIndex);
    return out;
  }

  /** Closes every socket; resolves when all are gone (or after `limitMs`). */
  async closeAll(limitMs = 10_000) {
    for (const ws of this.sockets) {
      if (ws.benchState === OPEN) ws.benchState = DONE;
      ws.terminate();
    }
    this.open = 0;
    const deadline = Date.now() + limitMs;
    while (this.sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.sockets.clear();
  }
}

// ---- forked worker ---------------------------------------------------------------------------

function serveIpc() {
  const gen = new LoadGen();
  const commands = {
    connect: ({ urls, first, count, secret, userPrefix, concurrency, handshakeTimeoutMs, limitMs }) =>
      gen.connect({ urls, first, count, concurrency, handshakeTimeoutMs, limitMs, tokenFor: (i) => benchToken(i, secret, userPrefix) }),
    stats: () => gen.stats(),
    reset: () => {
      gen.resetStats();
      return true;
    },
    closeAll: async () => {
      await gen.closeAll();
      return true;
    },
    openUsers: ({ userPrefix = 'u' }) => gen.openIndexes().map((i) => `${userPrefix}${i}`),
  };
  process.on('message', async ({ id, cmd, args }) => {
    try {
      const fn = commands[cmd];
      if (!fn) throw new Error(`unknown command ${cmd}`);
      process.send({ id, result: await fn(args ?? {}) });
    } catch (err) {
      process.send({ id, error: err?.message ?? String(err) });
    }
  });
  // The parent is gone (finished, crashed or interrupted): drop everything and leave.
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true });
}

if (process.argv.includes('--worker') && typeof process.send === 'function') serveIpc();
