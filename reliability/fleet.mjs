// The clients of a reliability run: real socket.io-client sockets (and, for half of them by
// default, the gateway's typed client, @realtime-gateway/client), spread over forked worker processes so
// the harness's own event loop stays free for its probes. Each client counts the messages it
// receives by sequence number — lost, duplicated, out of order — and notes when it went down and
// came back, and how each failed handshake failed (timeout, HTTP 503/502, refusal code).
//
// As a module: `new Fleet(workers)`; as a worker: `node reliability/fleet.mjs --reliability-fleet-worker` (IPC; not
// `--worker`, which bench/loadgen.mjs, imported here, answers to).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { signHs256 } from '../bench/loadgen.mjs';

const WORKER_FLAG = '--reliability-fleet-worker';

/** A client token: user `${prefix}${i}`, session `s-${prefix}${i}`, member of `room`'s chat. */
export function tokenFor(prefix, i, secret, room) {
  const iat = Math.floor(Date.now() / 1000);
  return signHs256({ sub: `${prefix}${i}`, session_id: `s-${prefix}${i}`, ...(room ? { chats: [room] } : {}), iat, exp: iat + 4 * 3600 }, secret);
}

// ---- the controller (harness side) ----------------------------------------------------------

export class Fleet {
  constructor(workers = 2) {
    this.workers = Array.from({ length: workers }, (_, k) => new WorkerHandle(k));
  }

  /** Connects `count` clients (users `${prefix}0..count-1`), split over the workers. */
  async connect({ count, ...options }) {
    const per = Math.ceil(count / this.workers.length);
    const parts = await Promise.all(
      this.workers.map((w, k) => w.call('connect', { ...options, first: k * per, count: Math.max(0, Math.min(per, count - k * per)) }, (options.limitMs ?? 120_000) + 15_000)),
    );
    return merge(parts);
  }

  /** Connect / push / disconnect cycles of new users `${prefix}${first}..`, split over the workers. */
  async churn({ cycles, first = 0, concurrency = 20, ...options }) {
    const per = Math.ceil(cycles / this.workers.length);
    const parts = await Promise.all(
      this.workers.map((w, k) =>
        w.call('churn', { ...options, first: first + k * per, cycles: Math.max(0, Math.min(per, cycles - k * per)), concurrency: Math.ceil(concurrency / this.workers.length) }, 3_600_000),
      ),
    );
    return merge(parts);
  }

  /** From now on, note when each client goes down and when it is back. */
  markFault(at = Date.now()) {
    return Promise.all(this.workers.map((w) => w.call('markFault', { at })));
  }

  /** Figures of every client; messages counted against the published range [from, to]. */
  async stats(range = {}) {
    return merge(await Promise.all(this.workers.map((w) => w.call('stats', range, 60_000))));
  }

  /** Closes `count` clients (from the end of each worker's list); returns their user ids. */
  async leave(count) {
    const per = Math.ceil(count / this.workers.length);
    const ids = await Promise.all(this.workers.map((w, k) => w.call('leave', { count: Math.max(0, Math.min(per, count - k * per)) })));
    return ids.flat();
  }

  async close() {
    await Promise.all(this.workers.map((w) => w.call('close', {}, 30_000).catch(() => undefined)));
    for (const w of this.workers) w.child.kill('SIGKILL');
  }
}

/** Sums the workers' figures (counts add up; maxima and distributions merge). */
function merge(parts) {
  const out = {};
  for (const p of parts) {
    for (const [k, v] of Object.entries(p)) {
      if (typeof v === 'number') out[k] = k.startsWith('max') ? Math.max(out[k] ?? 0, v) : (out[k] ?? 0) + v;
      else if (Array.isArray(v)) out[k] = [...(out[k] ?? []), ...v];
      else if (v && typeof v === 'object') out[k] = merge([out[k] ?? {}, v]);
    }
  }
  return out;
}

class WorkerHandle {
  constructor(index) {
    this.index = index;
    this.seq = 0;
    this.pending = new Map();
    this.child = fork(fileURLToPath(import.meta.url), [WORKER_FLAG], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    this.child.on('message', (msg) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error) p.reject(new Error(`fleet worker ${index}: ${msg.error}`));
      else p.resolve(msg.result);
    });
    this.child.on('error', () => undefined);
    this.child.on('exit', (code, signal) => {
      for (const p of this.pending.values()) p.reject(new Error(`fleet worker ${index} exited (${code ?? signal})`));
      this.pending.clear();
    });
  }

  call(cmd, args, timeoutMs = 30_000) {
    const id = ++this.seq;
    if (!this.child.connected) return Promise.reject(new Error(`fleet worker ${this.index} is gone`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`fleet worker ${this.index}: ${cmd} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.child.send({ id, cmd, args });
    });
  }
}

// ---- the worker (client side) -------------------------------------------------------------

/** One client: its socket, the sequence numbers it saw, and its ups and downs. */
class Client {
  constructor(userId, kind) {
    this.userId = userId;
    this.kind = kind;
    this.seen = new Uint8Array(1024);
    this.maxSeq = 0;
    this.received = 0;
    this.dup = 0;
    /** Sequence numbers in the order they first arrived. */
    this.arrivals = [];
    this.firstConnectAt = undefined;
    this.connects = 0;
    this.recoveries = 0;
    this.downAt = undefined;
    this.backAt = undefined;
    this.closedByUs = false;
  }

  onMessage(payload) {
    const seq = payload?.seq;
    if (!Number.isInteger(seq) || seq < 1) return;
    if (seq >= this.seen.length) {
      const grown = new Uint8Array(Math.max(seq + 1, this.seen.length * 2));
      grown.set(this.seen);
      this.seen = grown;
    }
    this.received += 1;
    if (this.seen[seq] > 0) this.dup += 1;
    else this.arrivals.push(seq);
    if (this.seen[seq] < 255) this.seen[seq] += 1;
    this.maxSeq = Math.max(this.maxSeq, seq);
  }

  /**
   * Messages that arrived before one the gateway had accepted before they were even sent: the
   * order the gateway owes (a message accepted, then another sent, must arrive in that order).
   * Messages sent concurrently, or retried by the publisher after a 503, may arrive either way.
   * `timing`: seq → [sent, accepted] of the attempt that was accepted.
   */
  outOfOrder(timing) {
    let late = 0;
    let earliestAcceptedAfter = Infinity;
    for (let i = this.arrivals.length - 1; i >= 0; i--) {
      const t = timing.get(this.arrivals[i]);
      if (!t) continue;
      if (earliestAcceptedAfter < t[0]) late += 1;
      earliestAcceptedAfter = Math.min(earliestAcceptedAfter, t[1]);
    }
    return late;
  }

  lostIn(from, to, skip) {
    let lost = 0;
    for (let s = from; s <= to; s++) if ((s >= this.seen.length || this.seen[s] === 0) && !skip.has(s)) lost += 1;
    return lost;
  }
}

async function workerMain() {
  const { io } = await import('socket.io-client');
  let typed;
  const clients = [];
  const errors = {};
  /** Delivery latency of every message (publish time `t` to arrival), ms → count. */
  let latency = {};
  let faultAt;
  const count = (key) => (errors[key] = (errors[key] ?? 0) + 1);

  /** What a failed handshake was: a timeout, an HTTP status from the proxy or the node, a refusal code, the network. */
  const classify = (err) => {
    if (err?.data?.code) return `refused ${err.data.code}`;
    if (err?.message === 'timeout') return 'timeout';
    const status = /Unexpected server response: (\d+)/.exec(String(err?.description?.message ?? err?.description ?? ''))?.[1];
    if (status) return `http ${status}`;
    return `network ${String(err?.description?.code ?? err?.description?.message ?? err?.message ?? 'error').slice(0, 40)}`;
  };

  const wire = (client, socket) => {
    socket.on('message', (p) => {
      client.onMessage(p);
      if (typeof p?.t === 'number') {
        const ms = Math.max(0, Date.now() - p.t);
        latency[ms] = (latency[ms] ?? 0) + 1;
      }
    });
    socket.on('connect', () => {
      const now = Date.now();
      client.connects += 1;
      if (socket.recovered) client.recoveries += 1;
      client.firstConnectAt ??= now;
      if (client.downAt !== undefined && client.backAt === undefined) client.backAt = now;
    });
    socket.on('disconnect', () => {
      if (faultAt !== undefined && client.downAt === undefined && !client.closedByUs) client.downAt = Date.now();
    });
    socket.on('connect_error', (err) => {
      count(classify(err));
      // A middleware refusal (UNAVAILABLE while a node drains or Redis is away) ends Socket.IO's own
      // reconnection; an application would try again later, and so does this plain client.
      if (client.kind === 'plain' && !socket.active && !client.closedByUs) setTimeout(() => !client.closedByUs && socket.connect(), 500 + Math.random() * 1000);
    });
  };

  const handlers = {
    async connect({ url, prefix, first, count: n, secret, room, kind = 'mixed', limitMs = 120_000, connectTimeoutMs = 20_000 }) {
      if (kind !== 'plain') typed ??= await import('@realtime-gateway/client');
      const startedAt = Date.now();
      const mine = [];
      for (let i = first; i < first + n; i++) {
        const k = kind === 'mixed' ? (i % 2 === 0 ? 'plain' : 'typed') : kind;
        const client = new Client(`${prefix}${i}`, k);
        const token = tokenFor(prefix, i, secret, room);
        const options = { transports: ['websocket'], forceNew: true, reconnectionDelayMax: 5000, timeout: connectTimeoutMs };
        if (k === 'plain') {
          client.socket = io(url, { ...options, auth: { token } });
          wire(client, client.socket);
        } else {
          client.typed = typed.connectGateway(url, { ...options, getToken: () => token, autoConnect: false });
          client.socket = client.typed.socket;
          wire(client, client.socket);
          client.typed.connect();
        }
        clients.push(client);
        mine.push(client);
      }
      const deadline = startedAt + limitMs;
      while (Date.now() < deadline && mine.some((c) => c.firstConnectAt === undefined)) await new Promise((r) => setTimeout(r, 50));
      const times = mine.filter((c) => c.firstConnectAt !== undefined).map((c) => c.firstConnectAt - startedAt);
      return { attempted: n, connected: times.length, maxConnectMs: times.length ? Math.max(...times) : 0, connectMs: times, errors: { ...errors } };
    },

    markFault({ at }) {
      faultAt = at;
      for (const c of clients) {
        c.downAt = undefined;
        c.backAt = undefined;
      }
      for (const k of Object.keys(errors)) delete errors[k];
      return true;
    },

    stats({ from, to, skip = [], timing = [], resetLatency = false } = {}) {
      const skipped = new Set(skip);
      const timed = new Map(timing.map(([seq, sent, accepted]) => [seq, [sent, accepted]]));
      const live = clients.filter((c) => !c.closedByUs);
      const out = {
        clients: live.length,
        connected: live.filter((c) => c.socket.connected).length,
        received: 0,
        lost: 0,
        dup: 0,
        ooo: 0,
        clientsWithLoss: 0,
        /** seq → how many clients missed it (only seqs someone missed). */
        lostBySeq: {},
        recoveries: 0,
        wentDown: 0,
        back: 0,
        stillDown: 0,
        backMs: [],
        errors: { ...errors },
        byKind: {},
        latency,
      };
      if (resetLatency) latency = {};
      for (const c of live) {
        const lost = from !== undefined && to !== undefined && to >= from ? c.lostIn(from, to, skipped) : 0;
        out.received += c.received;
        out.lost += lost;
        out.dup += c.dup;
        out.ooo += timed.size > 0 ? c.outOfOrder(timed) : 0;
        out.recoveries += c.recoveries;
        if (lost > 0) {
          out.clientsWithLoss += 1;
          for (let q = from; q <= to; q++) if ((q >= c.seen.length || c.seen[q] === 0) && !skipped.has(q)) out.lostBySeq[q] = (out.lostBySeq[q] ?? 0) + 1;
        }
        const kind = (out.byKind[c.kind] ??= { clients: 0, lost: 0, backMs: [] });
        kind.clients += 1;
        kind.lost += lost;
        if (c.downAt !== undefined) {
          out.wentDown += 1;
          if (c.backAt !== undefined) {
            out.back += 1;
            out.backMs.push(c.backAt - faultAt);
            kind.backMs.push(c.backAt - faultAt);
          } else out.stillDown += 1;
        }
      }
      return out;
    },

    /**
     * `cycles` times, `concurrency` at a time: a new user connects, is pushed one message over
     * POST /internal/emit, receives it, disconnects. Counts what failed on the way.
     */
    async churn({ url, secret, internalSecret, prefix, first, cycles, concurrency = 20 }) {
      let next = first;
      const end = first + cycles;
      const failed = {};
      let done = 0;
      const fail = (why) => (failed[why] = (failed[why] ?? 0) + 1);
      const one = async (i) => {
        const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 20_000, auth: { token: tokenFor(prefix, i, secret) } });
        try {
          await new Promise((resolve, reject) => {
            socket.once('connected', resolve);
            socket.once('connect_error', (err) => reject(new Error(classify(err))));
          });
          let timer;
          const got = new Promise((resolve, reject) => {
            socket.once('message', resolve);
            timer = setTimeout(() => reject(new Error('no message')), 10_000);
          }).finally(() => clearTimeout(timer));
          got.catch(() => undefined); // awaited below, unless the emit fails first
          const res = await fetch(`${url}/internal/emit`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${internalSecret}`, 'Content-Type': 'application/json' },
            body: JSON.stringify({ userId: `${prefix}${i}`, event: 'message', payload: { seq: i } }),
          });
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`emit ${res.status}`);
          await got;
          done += 1;
        } catch (err) {
          fail(err.message);
        } finally {
          socket.close();
        }
      };
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < end) await one(next++);
        }),
      );
      return { done, failed };
    },

    leave({ count: n }) {
      const leaving = clients.filter((c) => !c.closedByUs).slice(-n);
      for (const c of leaving) {
        c.closedByUs = true;
        if (c.typed) c.typed.close();
        else c.socket.close();
      }
      return leaving.map((c) => c.userId);
    },

    close() {
      for (const c of clients) {
        c.closedByUs = true;
        if (c.typed) c.typed.close();
        else c.socket.close();
      }
      return true;
    },
  };

  process.on('message', async ({ id, cmd, args }) => {
    try {
      process.send({ id, result: await handlers[cmd](args ?? {}) });
    } catch (err) {
      process.send({ id, error: err?.stack ?? String(err) });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

if (process.argv.includes(WORKER_FLAG)) void workerMain();
