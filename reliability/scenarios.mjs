// The scenarios of `npm run reliability` (docs/reliability.md): each starts its own processes,
// applies one fault with bounded load, and returns `{ figures, checks, notes }`; the checks are
// the bounds of the reliability issue's "Done when".
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { Fleet, tokenFor } from './fleet.mjs';
import {
  HAS_HAPROXY,
  RedisServer,
  WORK_DIR,
  allocateNode,
  freePort,
  httpStatus,
  launchNode,
  rssBytes,
  sleep,
  startHaproxy,
  startNode,
  stopProcess,
  untilServer,
} from './processes.mjs';
import { HttpPoster, Publisher, check, histQuantiles, liveFigures, mb, percentile, round, byLabels, scrape, startLiveProbe, sumOf } from './tools.mjs';

const JWT_SECRET = randomBytes(24).toString('hex');
const INTERNAL_SECRET = randomBytes(24).toString('hex');
const ROOM = 'rel';
const RUN = randomBytes(3).toString('hex');
const MiB = 1024 * 1024;

/** Settings given with --env, for every node (set by run.mjs before the scenarios start). */
const overrides = {};
export function overrideNodeEnv(env) {
  Object.assign(overrides, env);
}

/** The environment every node of a run shares (one prefix per scenario keeps their Redis keys apart). */
function nodeEnv(redis, prefix, extra = {}) {
  return {
    JWT_SECRET,
    INTERNAL_SECRET,
    ...(redis ? { REDIS_URL: redis.url, SOCKET_CONTROL_PREFIX: prefix } : {}),
    // Every client of the run comes from 127.0.0.1: the per-IP handshake limit is not under test.
    RATE_LIMIT_MAX_CONNECTIONS: '10000000',
    ...extra,
    ...overrides,
  };
}

const prefixOf = (name) => `rel:${RUN}:${name}`;

/** NODE_OPTIONS for a node whose memory is measured: SIGUSR2 runs a full garbage collection. */
function gcOnSignal() {
  const preload = join(WORK_DIR, 'gc-on-signal.mjs');
  writeFileSync(preload, "process.on('SIGUSR2', () => globalThis.gc?.());\n");
  return { NODE_OPTIONS: `--expose-gc --import=${pathToFileURL(preload).href}` };
}

/** Polls the fleet until `done(stats)` or `limitMs`; returns the last stats. */
async function until(fleet, done, limitMs, everyMs = 500) {
  const deadline = Date.now() + limitMs;
  let stats = await fleet.stats();
  while (!done(stats) && Date.now() < deadline) {
    await sleep(everyMs);
    stats = await fleet.stats();
  }
  return stats;
}

const timeouts = (errors) => Object.entries(errors ?? {}).filter(([k]) => k === 'timeout').reduce((a, [, v]) => a + v, 0);
const countWhere = (errors, test) => Object.entries(errors ?? {}).filter(([k]) => test(k)).reduce((a, [, v]) => a + v, 0);

/** The most memory the process has held since it started (Linux VmHWM), MB; null where unknown. */
function peakRssMB(pid) {
  try {
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Number.isFinite(kb) ? round(kb / 1024) : null;
  } catch {
    return null;
  }
}

/**
 * Which messages were lost, as runs of consecutive seqs missed by the same number of clients,
 * each with when it was accepted relative to the fault (ms) and after how many refused attempts:
 * `"12-19 ×5000 @+3120..+4480(after 2 refusals)"`.
 */
function lostRanges(bySeq, publisher, faultAt) {
  const when = (seq) => {
    const t = publisher.timing.get(seq);
    const retried = publisher.retried.get(seq);
    return t ? `+${t[1] - faultAt}${retried ? `(after ${retried} refusals)` : ''}` : '?';
  };
  const seqs = Object.keys(bySeq).map(Number).sort((x, y) => x - y);
  const out = [];
  for (let i = 0; i < seqs.length; ) {
    let j = i;
    while (j + 1 < seqs.length && seqs[j + 1] === seqs[j] + 1 && bySeq[seqs[j + 1]] === bySeq[seqs[i]]) j++;
    out.push(`${seqs[i]}${j > i ? `-${seqs[j]}` : ''} ×${bySeq[seqs[i]]} @${when(seqs[i])}..${when(seqs[j])}`);
    i = j + 1;
  }
  return out.slice(0, 20);
}

// ---- kill and drain: one of two nodes behind HAProxy goes away --------------------------------

async function nodeLoss(ctx, signal) {
  if (!HAS_HAPROXY) return { figures: {}, checks: [], skipped: 'needs HAProxy (apt-get install haproxy): clients must find the other node by themselves' };
  const quick = ctx.quick;
  // Quick: still longer than HAProxy needs to see readiness fail (inter 1 s, fall 2).
  const drain = quick ? { SHUTDOWN_DRAIN_DELAY_MS: '3000', SHUTDOWN_SPREAD_MS: '1000', SHUTDOWN_TIMEOUT_MS: '10000' } : {};
  const delayMs = quick ? 3000 : 5000;
  const spreadMs = quick ? 1000 : 10000;
  const redis = await ctx.own(RedisServer.start());
  const env = nodeEnv(redis, prefixOf(signal), { RECOVERY_WINDOW_MS: '120000', ...drain });
  const [a, b] = [await allocateNode('a', { internal: true }), await allocateNode('b', { internal: true })];
  const lb = await ctx.own(startHaproxy([a, b]));
  await launchNode(a, env);
  await untilServer(lb, 'a', 'UP');
  await untilServer(lb, 'b', 'DOWN');

  // Every client lands on A (B is not running yet), then B joins.
  const fleet = ctx.own(new Fleet(ctx.workers));
  const joined = await fleet.connect({ url: lb.url, prefix: `${signal}-`, count: ctx.clients, secret: JWT_SECRET, room: ROOM, kind: ctx.clientKind });
  await launchNode(b, env);
  await untilServer(lb, 'b', 'UP');
  const onA = sumOf(await scrape(a.internalUrl), 'gateway_connections_active');

  const probe = ctx.own(startLiveProbe(b.url));
  const publisher = new Publisher({ url: lb.internalUrl, secret: INTERNAL_SECRET, room: ROOM, rate: ctx.rate, runId: `${RUN}-${signal}` }).start();
  await sleep(2000);
  await fleet.markFault();
  const faultAt = Date.now();
  // When A exits, not when the wait for the clients below ends (it may end later).
  let exitedAt;
  void a.entry.exit.then(() => (exitedAt = Date.now()));
  a.entry.child.kill(signal);
  const bound = signal === 'SIGTERM' ? delayMs + spreadMs + 10_000 : 20_000;
  await until(fleet, (s) => s.wentDown >= onA && s.stillDown === 0, bound + 20_000);
  const allBackAt = Date.now();
  const exit = await a.entry.exit;
  const exitMs = (exitedAt ?? Date.now()) - faultAt;
  await sleep(3000);
  const published = await publisher.stop();
  // Late is not lost: wait (up to 15 s) until every client has every accepted message, and say how long that took.
  const settleFrom = Date.now();
  await sleep(1000);
  let stats = await fleet.stats(publisher.range);
  while (stats.lost > 0 && Date.now() - settleFrom < 15_000) {
    await sleep(1000);
    stats = await fleet.stats(publisher.range);
  }
  const settledMs = stats.lost > 0 ? null : Date.now() - settleFrom;
  const samples = await probe.stop();
  const backMs = stats.backMs;
  const live = liveFigures(samples, faultAt, allBackAt);
  const survivor = await scrape(b.internalUrl).catch(() => ({}));
  const survivorRssPeakMB = peakRssMB(b.entry.pid);
  const figures = {
    clients: ctx.clients,
    connectedAtStart: joined.connected,
    onNodeA: onA,
    wentDown: stats.wentDown,
    back: stats.back,
    stillDown: stats.stillDown,
    backMs: { p50: percentile(backMs, 0.5), p99: percentile(backMs, 0.99), max: percentile(backMs, 1) },
    handshakeErrors: stats.errors,
    recovered: stats.recoveries,
    messages: { published: published.published, accepted: published.accepted, lost: stats.lost, duplicated: stats.dup, outOfOrder: stats.ooo, clientsWithLoss: stats.clientsWithLoss },
    ...(stats.lost > 0 ? { lostSeqs: lostRanges(stats.lostBySeq, publisher, faultAt) } : {}),
    // After the publisher stopped, until every client had every accepted message (null: not within 15 s).
    allDeliveredAfterMs: settledMs,
    publisherStatuses: published.statuses,
    survivorLiveMs: live,
    survivorRssPeakMB,
    survivorRefusals: { intake: byLabels(survivor, 'gateway_intake_rejections_total'), handshakes: byLabels(survivor, 'gateway_handshake_admission_refusals_total') },
    nodeAExit: { code: exit.code, signal: exit.signal, afterMs: signal === 'SIGTERM' ? exitMs : null },
  };
  const maxBack = percentile(backMs, 1) ?? Infinity;
  const checks = [
    check(
      `every client back${signal === 'SIGTERM' ? ` within SHUTDOWN_DRAIN_DELAY_MS + SHUTDOWN_SPREAD_MS + 10 s (${bound} ms)` : ''}`,
      stats.stillDown === 0 && stats.wentDown >= onA && maxBack <= bound,
      `${stats.back}/${stats.wentDown} back, slowest ${maxBack} ms`,
    ),
    check('no handshake timed out', timeouts(stats.errors) === 0, `${timeouts(stats.errors)} timeouts`),
    check('no message lost, duplicated or out of order', stats.lost === 0 && stats.dup === 0 && stats.ooo === 0, `lost ${stats.lost}, duplicated ${stats.dup}, out of order ${stats.ooo}`),
    check("surviving node's /health/live p99 ≤ 100 ms", live.p99 !== null && live.p99 <= 100, `p99 ${live.p99} ms, max ${live.max} ms over ${live.samples} probes`),
    check("surviving node's RSS peak under 1 GB", survivorRssPeakMB !== null && survivorRssPeakMB < 1024, `${survivorRssPeakMB} MB`),
  ];
  if (signal === 'SIGTERM') checks.push(check('the drained node exits 0', exit.code === 0, `exit ${exit.code ?? exit.signal} after ${exitMs} ms`));
  return { figures, checks };
}

// ---- storm: thousands of handshakes at once ------------------------------------------------

async function storm(ctx) {
  const redis = await ctx.own(RedisServer.start());
  const node = await startNode('storm', nodeEnv(redis, prefixOf('storm')));
  const probe = ctx.own(startLiveProbe(node.url));
  await sleep(500);
  const fleet = ctx.own(new Fleet(ctx.workers));
  const startedAt = Date.now();
  const joined = await fleet.connect({ url: node.url, prefix: 'storm-', count: ctx.clients, secret: JWT_SECRET, room: ROOM, kind: 'plain', limitMs: 120_000 });
  const allInMs = Date.now() - startedAt;
  const samples = await probe.stop();
  const metrics = await scrape(node.url);
  const live = liveFigures(samples, startedAt, startedAt + allInMs);
  const figures = {
    clients: ctx.clients,
    connected: joined.connected,
    allInMs,
    connectMs: { p50: percentile(joined.connectMs, 0.5), p99: percentile(joined.connectMs, 0.99), max: joined.maxConnectMs },
    handshakeErrors: joined.errors,
    refusedBeforeWork: sumOf(metrics, 'gateway_handshake_admission_refusals_total'),
    liveMs: live,
  };
  return {
    figures,
    checks: [
      check('every client gets in', joined.connected === ctx.clients, `${joined.connected}/${ctx.clients} in ${allInMs} ms`),
      check('no handshake timed out', timeouts(joined.errors) === 0, `${timeouts(joined.errors)} timeouts`),
      check('refusals are 503 with Retry-After, nothing else', countWhere(joined.errors, (k) => k.startsWith('http ') && k !== 'http 503') === 0, JSON.stringify(joined.errors)),
      check('/health/live p99 ≤ 100 ms during the storm', live.p99 !== null && live.p99 <= 100, `p99 ${live.p99} ms, max ${live.max} ms over ${live.samples} probes`),
    ],
  };
}

// ---- slow consumer: a client that stops reading --------------------------------------------

/** A raw WebSocket client that completes the handshake, then stops reading (its TCP socket paused). */
async function stalledClient(url, token) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
  ws.on('error', () => undefined);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('stalled client: no `connected`')), 10_000);
    ws.on('message', (data) => {
      const text = String(data);
      if (text.startsWith('0')) ws.send(`40${JSON.stringify({ token })}`);
      if (text.startsWith('2')) ws.send('3');
      if (text.startsWith('42["connected"')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  ws._socket.pause();
  return ws;
}

/**
 * What the node holds, sampled every second after a full collection (the node runs with
 * gcOnSignal): RSS and the JS heap plus external memory (Buffers). Without the collection, the
 * garbage of the traffic itself swings RSS by tens of MB, more than the bound being checked.
 */
function sampleHeld(node) {
  const samples = [];
  let on = true;
  const done = (async () => {
    while (on) {
      process.kill(node.pid, 'SIGUSR2');
      await sleep(300);
      const m = await scrape(node.url).catch(() => undefined);
      if (m) samples.push({ at: Date.now(), rss: rssBytes(node.pid), held: m.nodejs_heap_size_used_bytes + m.nodejs_external_memory_bytes });
      await sleep(700);
    }
  })();
  return {
    samples,
    stop: async () => {
      on = false;
      await done;
    },
  };
}

async function slowConsumer(ctx) {
  const redis = await ctx.own(RedisServer.start());
  const node = await startNode('slow', nodeEnv(redis, prefixOf('slow'), gcOnSignal()));
  const bound = 1048576; // SOCKET_MAX_BUFFERED_BYTES, the default
  const phaseMs = ctx.quick ? 5000 : 20_000;
  const fleet = ctx.own(new Fleet(1));
  await fleet.connect({ url: node.url, prefix: 'healthy-', count: 10, secret: JWT_SECRET, room: ROOM, kind: 'plain' });
  const publisher = new Publisher({ url: node.url, secret: INTERNAL_SECRET, room: ROOM, rate: 500, bytes: 1024, runId: `${RUN}-slow` }).start();
  const held = sampleHeld(node);

  // Baseline: the same traffic without a slow client, once the heap has grown to the load.
  await sleep(ctx.quick ? 3000 : 10_000);
  await fleet.stats({ resetLatency: true });
  const baselineFrom = Date.now();
  await sleep(phaseMs);
  const baseline = histQuantiles((await fleet.stats({ resetLatency: true })).latency);
  const inBaseline = held.samples.filter((x) => x.at >= baselineFrom);

  // A client in the same room stops reading.
  const stalledAt = Date.now();
  const stalled = await stalledClient(node.url, tokenFor('slow-', 0, JWT_SECRET, ROOM));
  let droppedAt;
  const watch = (async () => {
    while (droppedAt === undefined && Date.now() < stalledAt + phaseMs * 3) {
      if (sumOf(await scrape(node.url), 'gateway_slow_disconnects_total') > 0) droppedAt = Date.now();
      else await sleep(100);
    }
  })();
  await sleep(phaseMs * 1.5);
  await watch;
  const during = histQuantiles((await fleet.stats()).latency);
  await held.stop();
  const published = await publisher.stop();
  stalled.terminate();
  const whileHeld = held.samples.filter((x) => x.at >= stalledAt && x.at <= (droppedAt ?? Infinity) + 2000);
  const max = (list, key) => Math.max(...list.map((x) => x[key]));
  const growth = max(whileHeld, 'rss') - max(inBaseline, 'rss');
  const heldGrowth = max(whileHeld, 'held') - max(inBaseline, 'held');
  const healthyBound = Math.max(2 * (baseline.p99 ?? 0), 10);
  const figures = {
    pushes: { asked: 500, perSecond: published.perSecond, bytes: 1024, published: published.published, statuses: published.statuses },
    afterCollectionMb: {
      rss: { baseline: mb(max(inBaseline, 'rss')), withSlowClient: mb(max(whileHeld, 'rss')), growth: mb(growth) },
      heapAndBuffers: { baseline: mb(max(inBaseline, 'held')), withSlowClient: mb(max(whileHeld, 'held')), growth: mb(heldGrowth) },
    },
    slowClientDroppedAfterMs: droppedAt === undefined ? null : droppedAt - stalledAt,
    healthyLatencyMs: { baseline, withSlowClient: during },
  };
  return {
    figures,
    checks: [
      check('the slow client is closed and counted', droppedAt !== undefined, droppedAt === undefined ? 'never dropped' : `after ${droppedAt - stalledAt} ms`),
      check('RSS grows at most SOCKET_MAX_BUFFERED_BYTES + 5 MB', growth <= bound + 5 * MiB, `${mb(growth)} MB (bound ${mb(bound + 5 * MiB)} MB)`),
      check("a healthy client's p99 stays within 2× its baseline", during.p99 !== null && during.p99 <= healthyBound, `p99 ${during.p99} ms vs baseline ${baseline.p99} ms (bound ${healthyBound} ms)`),
    ],
    notes: [
      'memory sampled each second after a full collection, in both phases alike (so the latencies include those pauses)',
      '2× a baseline under 5 ms is read as 10 ms: below that the figure is timer resolution',
    ],
  };
}

// ---- Redis outage under traffic ------------------------------------------------------------

async function outage(ctx) {
  const redis = await ctx.own(RedisServer.start());
  const node = await startNode('outage', nodeEnv(redis, prefixOf('outage')));
  const fleet = ctx.own(new Fleet(1));
  await fleet.connect({ url: node.url, prefix: 'outage-', count: Math.min(ctx.clients, 50), secret: JWT_SECRET, room: ROOM, kind: 'plain' });
  const publisher = new Publisher({ url: node.url, secret: INTERNAL_SECRET, room: ROOM, rate: 200, runId: `${RUN}-outage` }).start();
  await sleep(3000);
  const downAt = Date.now();
  await redis.stop();
  await sleep(ctx.quick ? 3000 : 10_000);
  const upAt = Date.now();
  await redis.start();
  let readyAt;
  while (readyAt === undefined && Date.now() < upAt + 30_000) {
    if ((await httpStatus(`${node.url}/health/ready`)) === 200) readyAt = Date.now();
    else await sleep(100);
  }
  await sleep(5000);
  const published = await publisher.stop();
  await sleep(2000);
  const stats = await fleet.stats(publisher.range);
  const during = publisher.log.filter((e) => e.at >= downAt && e.at < upAt);
  const byStatus = {};
  for (const e of during) byStatus[e.status] = (byStatus[e.status] ?? 0) + 1;
  const slowest = Math.max(0, ...during.map((e) => e.ms));
  const figures = {
    outageMs: upAt - downAt,
    readyAfterRedisBackMs: readyAt === undefined ? null : readyAt - upAt,
    answersDuringOutage: byStatus,
    slowestAnswerDuringOutageMs: round(slowest),
    without503RetryAfter: during.filter((e) => e.status === 503 && e.retryAfter === null).length,
    messages: { published: published.published, accepted: published.accepted, abandoned: published.abandoned, lost: stats.lost, duplicated: stats.dup, outOfOrder: stats.ooo },
  };
  const other = Object.keys(byStatus).filter((s) => s !== '503' && s !== '200');
  return {
    figures,
    checks: [
      check(
        'during the outage only 503 with Retry-After (never 500, never a hang)',
        other.length === 0 && figures.without503RetryAfter === 0 && slowest < 5000,
        `${JSON.stringify(byStatus)}, slowest ${round(slowest)} ms`,
      ),
      check('the node serves again once Redis is back', readyAt !== undefined, `ready after ${figures.readyAfterRedisBackMs} ms`),
      check('nothing accepted is lost, doubled or reordered', stats.lost === 0 && stats.dup === 0 && stats.ooo === 0, `lost ${stats.lost}, duplicated ${stats.dup}, out of order ${stats.ooo}`),
    ],
  };
}

// ---- a node started while Redis is unreachable ---------------------------------------------

async function lateRedis(ctx) {
  const redis = new RedisServer(await freePort(), false);
  ctx.own(redis);
  const node = await startNode('late', nodeEnv(redis, prefixOf('late')), { waitFor: '/health/live' });
  await sleep(1000);
  const live = await httpStatus(`${node.url}/health/live`);
  const ready = await httpStatus(`${node.url}/health/ready`);
  const refusal = await new Promise((resolve) => {
    const ws = new WebSocket(`${node.url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
    ws.on('error', () => resolve('network error'));
    ws.on('message', (data) => {
      const text = String(data);
      if (text.startsWith('0')) ws.send(`40${JSON.stringify({ token: tokenFor('late-', 0, JWT_SECRET) })}`);
      if (text.startsWith('44')) {
        resolve(JSON.parse(text.slice(2)).data?.code ?? text);
        ws.close();
      }
      if (text.startsWith('40{"sid"')) {
        resolve('accepted');
        ws.close();
      }
    });
  });
  const emit = await fetch(`${node.url}/internal/emit`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${INTERNAL_SECRET}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ userId: 'late-0', event: 'message', payload: { seq: 1 } }),
  });
  const lines = node.entry.output().split('\n').filter((l) => l.includes('REDIS_URL'));
  const startedAt = Date.now();
  await redis.start();
  let readyAt;
  while (readyAt === undefined && Date.now() < startedAt + 30_000) {
    if ((await httpStatus(`${node.url}/health/ready`)) === 200) readyAt = Date.now();
    else await sleep(100);
  }
  const fleet = ctx.own(new Fleet(1));
  const joined = await fleet.connect({ url: node.url, prefix: 'late-', count: 10, secret: JWT_SECRET, room: ROOM, kind: 'plain', limitMs: 20_000 });
  const figures = {
    whileWaiting: { live, ready, handshake: refusal, emit: emit.status, retryAfter: emit.headers.get('retry-after'), linesNamingRedisUrl: lines.length, line: lines[0]?.slice(0, 300) },
    readyAfterRedisStartMs: readyAt === undefined ? null : readyAt - startedAt,
    clientsConnectedAfter: joined.connected,
    nodeStillRunning: !node.entry.exited,
  };
  return {
    figures,
    checks: [
      check(
        'stays up while waiting: live 200, ready 503, handshakes UNAVAILABLE, emits 503 + Retry-After',
        live === 200 && ready === 503 && refusal === 'UNAVAILABLE' && emit.status === 503 && emit.headers.get('retry-after') !== null,
        JSON.stringify(figures.whileWaiting),
      ),
      check('one line names REDIS_URL', lines.length === 1, `${lines.length} lines`),
      check('serves once Redis answers', readyAt !== undefined && joined.connected === 10 && !node.entry.exited, `ready after ${figures.readyAfterRedisStartMs} ms, ${joined.connected}/10 clients`),
    ],
  };
}

// ---- churn: connect / push / disconnect cycles -----------------------------------------------

/**
 * Heap and RSS after a full collection (the churn node runs with gcOnSignal): what the node
 * still holds, not what the collector has not got round to yet. The lowest of a few rounds.
 */
async function settledMemory(node, rounds = 3) {
  let heap = Infinity;
  let rss = Infinity;
  for (let i = 0; i < rounds; i++) {
    process.kill(node.pid, 'SIGUSR2');
    await sleep(1500);
    const m = await scrape(node.url);
    heap = Math.min(heap, m.nodejs_heap_size_used_bytes);
    rss = Math.min(rss, rssBytes(node.pid));
  }
  return { heap, rss };
}

async function churnOn(ctx, engine) {
  const cycles = ctx.cycles;
  const first = Math.min(10_000, Math.floor(cycles / 10));
  const ttlSec = 60;
  const redis = engine === 'redis' ? await ctx.own(RedisServer.start()) : undefined;
  const prefix = prefixOf(`churn-${engine}`);
  // Lifetimes that lapse within the run, so that what is held is seen to be let go.
  const node = await startNode(`churn-${engine}`, nodeEnv(redis, prefix, { SESSION_REVOKE_TTL: String(ttlSec), PRESENCE_TTL: String(ttlSec), ...gcOnSignal() }));
  const fleet = ctx.own(new Fleet(ctx.workers));
  const users = `churn-${engine}-`;
  const options = { url: node.url, secret: JWT_SECRET, internalSecret: INTERNAL_SECRET, prefix: users, concurrency: 40 };
  const startedAt = Date.now();
  const warm = await fleet.churn({ ...options, first: 0, cycles: first });
  const base = await settledMemory(node);
  const rest = await fleet.churn({ ...options, first, cycles: cycles - first });
  const tookMs = Date.now() - startedAt;
  const afterCycles = await settledMemory(node);
  // Once every session and presence entry of the cycles has lapsed (their TTL plus the sweep).
  await sleep((ttlSec + 5) * 1000);
  const settled = await settledMemory(node);
  const metrics = await scrape(node.url);
  const sample = Array.from({ length: 50 }, (_, k) => `${users}${Math.floor((k * cycles) / 50)}`);
  const presence = await (await fetch(`${node.url}/internal/presence?userIds=${sample.join(',')}`, { headers: { Authorization: `Bearer ${INTERNAL_SECRET}` } })).json();
  const online = (presence?.data?.users ?? []).filter((u) => u.devices > 0 || u.status !== 'offline').length;
  const keys = redis?.keysWithoutExpiry(prefix);
  const leftByCycles = keys?.withoutExpiry.filter((k) => k.includes(users)) ?? [];
  const failed = { ...warm.failed };
  for (const [k, v] of Object.entries(rest.failed)) failed[k] = (failed[k] ?? 0) + v;
  const heapGrowth = settled.heap / base.heap - 1;
  const rssGrowth = settled.rss / base.rss - 1;
  const figures = {
    engine,
    cycles,
    done: warm.done + rest.done,
    failed,
    cyclesPerSecond: round(((warm.done + rest.done) * 1000) / tookMs),
    afterFirstMb: { heap: mb(base.heap), rss: mb(base.rss), cycles: first },
    rightAfterAllMb: { heap: mb(afterCycles.heap), rss: mb(afterCycles.rss) },
    afterLifetimesMb: { heap: mb(settled.heap), rss: mb(settled.rss), ttlSec },
    growth: { heap: `${round(heapGrowth * 100)} %`, rss: `${round(rssGrowth * 100)} %` },
    connectionsActive: sumOf(metrics, 'gateway_connections_active'),
    sampledUsersOnline: online,
    ...(keys ? { redisKeys: keys.total, redisKeysWithoutExpiry: keys.withoutExpiry.slice(0, 10), fromCyclesWithoutExpiry: leftByCycles.length } : {}),
  };
  return {
    figures,
    checks: [
      check(`heap and RSS within 10 % of their level after the first ${first} cycles`, heapGrowth <= 0.1 && rssGrowth <= 0.1, `heap ${figures.growth.heap}, RSS ${figures.growth.rss}`),
      check('counters back to zero (connections, presence)', figures.connectionsActive === 0 && online === 0, `connections ${figures.connectionsActive}, sampled users online ${online}`),
      ...(keys ? [check('no Redis key the cycles created is left without an expiry', leftByCycles.length === 0, `${leftByCycles.length} keys`)] : []),
    ],
    notes: [
      `SESSION_REVOKE_TTL and PRESENCE_TTL are ${ttlSec} s here so that what the cycles leave lapses during the run; ` +
        "with the defaults (24 h, 30 days) a node's store holds each user's session record and presence for that long (docs/reliability.md)",
    ],
  };
}

// ---- overload: batches as fast as 64 connections can send ------------------------------------

/**
 * 64 connections send batches of 500 items (1 in 100 to the traced clients' room, the others to
 * users who are offline) back to back for `loadMs`. `polite`: after a 503 a connection waits what
 * Retry-After asks, as a backend should; otherwise it sends again at once.
 */
async function flood(ctx, node, fleet, polite) {
  const loadMs = ctx.quick ? 5000 : 30_000;
  const offline = Array.from({ length: 500 }, (_, i) => JSON.stringify({ userId: `offline-${i}`, event: 'message', payload: { i } }));
  const accepted = [];
  const statuses = {};
  let missingRetryAfter = 0;
  let items = 0;
  const before = await scrape(node.url);
  const poster = ctx.own(new HttpPoster(node.url, INTERNAL_SECRET, 64));
  const probe = ctx.own(startLiveProbe(node.url));
  await sleep(500);
  const startedAt = Date.now();
  const until = startedAt + loadMs;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (Date.now() < until) {
        const traced = [];
        const batch = offline.map((item, i) => {
          if (i % 100 !== 0) return item;
          traced.push(++ctx.overloadSeq);
          return JSON.stringify({ room: `chat:${ROOM}`, event: 'message', payload: { seq: ctx.overloadSeq, t: Date.now() }, idempotencyKey: `${RUN}-ov-${ctx.overloadSeq}` });
        });
        const sentAt = Date.now();
        const { status, retryAfter } = await poster.post('/internal/emit/batch', `{"items":[${batch.join(',')}]}`);
        if (status === 503 && retryAfter === null) missingRetryAfter += 1;
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status === 200) {
          const acceptedAt = Date.now();
          for (const seq of traced) accepted.push([seq, sentAt, acceptedAt]);
          items += 500;
        }
        if (polite && status === 503) await sleep(1000 * Number(retryAfter ?? 1) * (0.5 + Math.random()));
      }
    }),
  );
  const samples = await probe.stop();
  poster.close();
  const live = liveFigures(samples, startedAt, until);
  const after = await scrape(node.url);
  const refused = (reason) => (after[`gateway_intake_rejections_total{reason="${reason}"}`] ?? 0) - (before[`gateway_intake_rejections_total{reason="${reason}"}`] ?? 0);
  const mode = polite ? 'honouring Retry-After' : 'ignoring Retry-After';
  const figures = {
    loadMs,
    batches: statuses,
    acceptedItemsPerSecond: round((items * 1000) / loadMs),
    refusedByReason: { event_loop_delay: refused('event_loop_delay'), in_flight: refused('in_flight') },
    liveMs: live,
  };
  const checks = [
    check(`${mode}: 503s with Retry-After appear`, (statuses[503] ?? 0) > 0 && missingRetryAfter === 0, `${statuses[503] ?? 0} × 503, ${missingRetryAfter} without Retry-After`),
    check(`${mode}: nothing else fails`, Object.keys(statuses).every((st) => st === '200' || st === '503'), JSON.stringify(statuses)),
    check(`${mode}: /health/live p99 ≤ 100 ms`, live.p99 !== null && live.p99 <= 100, `p99 ${live.p99} ms, max ${live.max} ms over ${live.samples} probes`),
  ];
  return { figures, checks, accepted };
}

async function overload(ctx) {
  const redis = await ctx.own(RedisServer.start());
  const node = await startNode('overload', nodeEnv(redis, prefixOf('overload')));
  const fleet = ctx.own(new Fleet(1));
  await fleet.connect({ url: node.url, prefix: 'traced-', count: 10, secret: JWT_SECRET, room: ROOM, kind: 'plain' });
  ctx.overloadSeq = 0;
  const hammer = await flood(ctx, node, fleet, false);
  await sleep(3000);
  const polite = await flood(ctx, node, fleet, true);
  await sleep(3000);
  const timing = [...hammer.accepted, ...polite.accepted];
  const accepted = new Set(timing.map(([seq]) => seq));
  const skip = [];
  for (let seq = 1; seq <= ctx.overloadSeq; seq++) if (!accepted.has(seq)) skip.push(seq);
  const stats = await fleet.stats({ from: 1, to: ctx.overloadSeq, skip, timing });
  return {
    figures: {
      ignoringRetryAfter: hammer.figures,
      honouringRetryAfter: polite.figures,
      tracedMessages: { accepted: accepted.size, lost: stats.lost, duplicated: stats.dup, outOfOrder: stats.ooo },
    },
    checks: [
      ...hammer.checks,
      ...polite.checks,
      check(
        'nothing accepted is lost, doubled or reordered',
        stats.lost === 0 && stats.dup === 0 && stats.ooo === 0,
        `lost ${stats.lost}, duplicated ${stats.dup}, out of order ${stats.ooo} of ${accepted.size} traced`,
      ),
    ],
  };
}

// ---- Redis restarted while clients leave: ghosts ---------------------------------------------

async function redisRestart(ctx) {
  const redis = await ctx.own(RedisServer.start({ appendonly: true }));
  const env = nodeEnv(redis, prefixOf('ghosts'), { PRESENCE_NODE_TTL_MS: '3000' });
  const [a, b] = [await startNode('a', env), await startNode('b', env)];
  const clients = Math.min(ctx.clients, 100);
  const leaving = 20;
  const fleets = [ctx.own(new Fleet(1)), ctx.own(new Fleet(1))];
  await fleets[0].connect({ url: a.url, prefix: 'ghost-a-', count: clients / 2, secret: JWT_SECRET, room: ROOM, kind: 'plain' });
  await fleets[1].connect({ url: b.url, prefix: 'ghost-b-', count: clients / 2, secret: JWT_SECRET, room: ROOM, kind: 'plain' });
  const everyone = [...Array.from({ length: clients / 2 }, (_, i) => `ghost-a-${i}`), ...Array.from({ length: clients / 2 }, (_, i) => `ghost-b-${i}`)];
  const presence = async (ids) => {
    for (const n of [a, b]) if (n.entry.exited) throw new Error(`node ${n.name} exited (${n.entry.code ?? n.entry.signal}):\n${n.entry.output().slice(-3000)}`);
    const res = await fetch(`${a.url}/internal/presence?userIds=${ids.join(',')}`, { headers: { Authorization: `Bearer ${INTERNAL_SECRET}` } });
    const body = await res.json();
    return new Map((body?.data?.users ?? []).map((u) => [u.userId, u.status !== 'offline' && u.devices > 0]));
  };
  const onlineBefore = [...(await presence(everyone)).values()].filter(Boolean).length;

  await redis.stop();
  const left = [...(await fleets[0].leave(leaving / 2)), ...(await fleets[1].leave(leaving / 2))];
  await sleep(1000);
  await redis.start();
  // The resync after Redis returns, and a node-TTL's worth of heartbeats.
  await sleep(8000);
  const after = await presence(everyone);
  const ghosts = left.filter((u) => after.get(u));
  const stayed = everyone.filter((u) => !left.includes(u));
  const staying = stayed.filter((u) => after.get(u)).length;
  const figures = { clients, onlineBefore, left: left.length, ghostsAfterResync: ghosts.length, stayingOnline: `${staying}/${stayed.length}` };
  return {
    figures,
    checks: [
      check('0 ghosts after the resync', ghosts.length === 0, `${ghosts.length} of ${left.length} leavers still online`),
      check('everybody still connected is online', staying === stayed.length, `${staying}/${stayed.length}`),
    ],
    notes: ['Redis runs with appendonly yes and is stopped with SIGTERM (its data comes back)'],
  };
}

export const SCENARIOS = {
  storm: { what: 'thousands of handshakes at once on one node', run: storm },
  drain: { what: 'SIGTERM of one of two nodes behind HAProxy, clients moving to the other', run: (ctx) => nodeLoss(ctx, 'SIGTERM') },
  kill: { what: 'SIGKILL of one of two nodes behind HAProxy', run: (ctx) => nodeLoss(ctx, 'SIGKILL') },
  slow: { what: 'a client that stops reading while 1 KB pushes flow at 500/s', run: slowConsumer },
  outage: { what: 'Redis stopped for 10 s under 200 pushes/s', run: outage },
  'late-redis': { what: 'a node started while Redis is unreachable', run: lateRedis },
  overload: { what: 'batches as fast as 64 connections can send', run: overload },
  'redis-restart': { what: 'Redis restarted while 20 clients leave', run: redisRestart },
  churn: { what: 'connect / push / disconnect cycles, a new user each (memory and Redis engines)', run: async (ctx) => combine([await churnOn(ctx, 'memory'), await churnOn(ctx, 'redis')]) },
};

/** The results of one scenario run twice (once per engine), side by side. */
function combine(results) {
  return {
    figures: Object.fromEntries(results.map((r) => [r.figures.engine, r.figures])),
    checks: results.flatMap((r) => r.checks.map((c) => ({ ...c, name: `${r.figures.engine}: ${c.name}` }))),
    notes: results[0].notes,
  };
}

export { stopProcess };
