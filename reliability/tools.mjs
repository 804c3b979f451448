// Measuring instruments of a reliability run: the publisher (numbered messages through the
// internal API, retried until accepted), the /health/live probe (a separate process), metrics
// scraping, percentiles and the checks that make a verdict.
import { spawn } from 'node:child_process';
import { Publisher as BenchPublisher } from '../bench/publish.mjs';
import { sleep } from './processes.mjs';

/**
 * POSTs JSON text over keep-alive connections, at most `maxSockets` at once (the rest wait in the
 * agent: a slow gateway makes the backlog wait here, not run the harness out of descriptors).
 * Never rejects: a network error or a timeout is a status of its own.
 */
export class HttpPoster {
  constructor(base, secret, maxSockets = 64) {
    this.publisher = new BenchPublisher(base, secret, maxSockets);
  }

  /** Resolves `{ status, retryAfter }`; `status` is 'network' or 'timeout' when no answer came. */
  async post(path, text, timeoutMs = 30_000) {
    try {
      const { status, headers } = await this.publisher.post(path, text, timeoutMs);
      return { status, retryAfter: headers['retry-after'] ?? null };
    } catch (err) {
      return { status: /timeout/.test(err?.message) ? 'timeout' : 'network', retryAfter: null };
    }
  }

  close() {
    this.publisher.close();
  }
}

export function percentile(values, q) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** p50 / p99 / max of a latency distribution kept as `{ ms: count }` (the fleet's histograms). */
export function histQuantiles(hist) {
  const entries = Object.entries(hist ?? {})
    .map(([k, v]) => [Number(k), v])
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((a, [, v]) => a + v, 0);
  const at = (q) => {
    if (total === 0) return null;
    const rank = Math.ceil(q * total);
    let seen = 0;
    for (const [ms, n] of entries) {
      seen += n;
      if (seen >= rank) return ms;
    }
    return entries[entries.length - 1][0];
  };
  return { count: total, p50: at(0.5), p99: at(0.99), max: total ? entries[entries.length - 1][0] : null };
}

export const round = (n, digits = 1) => (n === null || n === undefined || Number.isNaN(n) ? null : Math.round(n * 10 ** digits) / 10 ** digits);
export const mb = (bytes) => round(bytes / 1024 / 1024);

/** One check of a verdict: `ok` and what was measured against what bound. */
export const check = (name, ok, detail) => ({ name, ok: Boolean(ok), detail });

// ---- metrics -------------------------------------------------------------------------------

/** GET /metrics parsed to `{ 'name{labels}': value }` (and `name` for unlabelled samples). */
export async function scrape(url) {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const out = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return out;
}

/** Sum of every sample of `name` (any labels). */
export function sumOf(metrics, name) {
  let total = 0;
  for (const [k, v] of Object.entries(metrics)) if (k === name || k.startsWith(`${name}{`)) total += v;
  return total;
}

/** The samples of `name` by label set, `{ 'reason="x"': value }` (labels as printed), zero ones left out. */
export function byLabels(metrics, name) {
  const out = {};
  for (const [k, v] of Object.entries(metrics)) if (k.startsWith(`${name}{`) && v > 0) out[k.slice(name.length + 1, -1)] = v;
  return out;
}

// ---- the /health/live probe ------------------------------------------------------------------

/**
 * Times GET /health/live of `url` every `everyMs` from a separate process (the harness's own
 * loop must not colour the figures). `stop()` resolves with `[{ at, ms }]` (ms -1: no answer).
 */
export function startLiveProbe(url, everyMs = 20) {
  const script = `
    const samples = [];
    let on = true;
    process.stdout.on('error', () => process.exit(0));
    process.stdin.on('end', () => (on = false)).resume();
    (async () => {
      // Untimed: a fresh process's first fetch loads the HTTP client and opens the connection.
      try { await (await fetch(${JSON.stringify(`${url}/health/live`)})).arrayBuffer(); } catch {}
      while (on) {
        const at = Date.now();
        const t = performance.now();
        try {
          const r = await fetch(${JSON.stringify(`${url}/health/live`)}, { signal: AbortSignal.timeout(10000) });
          await r.arrayBuffer();
          samples.push([at, r.status === 200 ? performance.now() - t : -1]);
        } catch { samples.push([at, -1]); }
        await new Promise((r) => setTimeout(r, ${everyMs}));
      }
      process.stdout.write(JSON.stringify(samples));
    })();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  const closed = new Promise((resolve) => child.once('close', resolve));
  child.stdin.on('error', () => undefined);
  return {
    async stop() {
      child.stdin.end();
      await closed;
      return JSON.parse(out || '[]').map(([at, ms]) => ({ at, ms }));
    },
  };
}

/** p50 / p99 / max of the probe samples in [from, to] (a failed probe counts as 10 s). */
export function liveFigures(samples, from = 0, to = Infinity) {
  const ms = samples.filter((s) => s.at >= from && s.at <= to).map((s) => (s.ms < 0 ? 10_000 : s.ms));
  const failed = samples.filter((s) => s.ms < 0 && s.at >= from && s.at <= to).length;
  return { samples: ms.length, p50: round(percentile(ms, 0.5)), p99: round(percentile(ms, 0.99)), max: round(percentile(ms, 1)), failed };
}

// ---- the publisher --------------------------------------------------------------------------

/**
 * Publishes numbered messages `{ seq, t }` to one room through POST /internal/emit, `rate` a
 * second, each with its own idempotencyKey. A request that fails (network, 5xx) is sent again
 * after Retry-After (or a jittered pause) until accepted — like a careful backend — so every
 * message is accepted exactly once, late perhaps; `giveUpMs` bounds the retrying.
 */
export class Publisher {
  constructor({ url, secret, room, rate, runId, bytes = 0, giveUpMs = 120_000 }) {
    Object.assign(this, { room, rate, runId, giveUpMs });
    this.http = new HttpPoster(url, secret, 64);
    this.pad = bytes > 0 ? 'x'.repeat(bytes) : undefined;
    this.seq = 0;
    this.accepted = new Set();
    /** seq → [sent, accepted] (ms) of the attempt that was accepted. */
    this.timing = new Map();
    /** seq → failed attempts before the accepted one (only for those retried). */
    this.retried = new Map();
    this.abandoned = [];
    this.statuses = {};
    this.retryAfterMissing = 0;
    this.slowest = 0;
    this.inFlight = new Set();
    this.log = [];
  }

  start() {
    this.running = true;
    this.startedAt = Date.now();
    const every = 1000 / this.rate;
    const started = performance.now();
    let sent = 0;
    this.loop = (async () => {
      while (this.running) {
        const due = Math.floor((performance.now() - started) / every) + 1;
        // At most 64 messages in flight: a publisher that falls behind sends late rather than
        // queueing, so a message's `t` is when it really left.
        while (sent < due && this.running && this.inFlight.size < 64) {
          sent += 1;
          const p = this.publish(++this.seq);
          this.inFlight.add(p);
          void p.finally(() => this.inFlight.delete(p));
        }
        await sleep(Math.max(1, Math.min(every, 20)));
      }
    })();
    return this;
  }

  /** Stops publishing; waits for the messages still being retried. */
  async stop() {
    this.running = false;
    await this.loop;
    await Promise.all([...this.inFlight]);
    this.http.close();
    return {
      published: this.seq,
      perSecond: round((this.seq * 1000) / (Date.now() - this.startedAt)),
      accepted: this.accepted.size,
      abandoned: this.abandoned.length,
      statuses: this.statuses,
      retryAfterMissing: this.retryAfterMissing,
      slowestMs: round(this.slowest),
    };
  }

  async publish(seq) {
    const deadline = Date.now() + this.giveUpMs;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      const body = JSON.stringify({
        room: `chat:${this.room}`,
        event: 'message',
        payload: { seq, t: Date.now(), ...(this.pad ? { pad: this.pad } : {}) },
        idempotencyKey: `${this.runId}-${seq}`,
      });
      const started = performance.now();
      const sentAt = Date.now();
      const { status, retryAfter } = await this.http.post('/internal/emit', body);
      const ms = performance.now() - started;
      this.slowest = Math.max(this.slowest, ms);
      this.statuses[status] = (this.statuses[status] ?? 0) + 1;
      this.log.push({ at: Date.now(), status, ms, retryAfter });
      if (status === 200) {
        this.accepted.add(seq);
        this.timing.set(seq, [sentAt, Date.now()]);
        if (attempt > 0) this.retried.set(seq, attempt);
        return;
      }
      if (status === 503 && retryAfter === null) this.retryAfterMissing += 1;
      const wait = retryAfter !== null ? Number(retryAfter) * 1000 : 250;
      await sleep(wait * (0.5 + Math.random()));
      void attempt;
    }
    this.abandoned.push(seq);
  }

  /** The range of published messages, those never accepted (not expected by anyone), and when each was sent and accepted. */
  get range() {
    return { from: 1, to: this.seq, skip: this.abandoned, timing: [...this.timing].map(([seq, [sent, accepted]]) => [seq, sent, accepted]) };
  }
}
