// The backend side of `npm run bench`: POSTs to `/internal/emit` and `/internal/emit/batch`
// over keep-alive node:http connections, in a closed loop or at a fixed rate (open loop).
import { Agent, request } from 'node:http';
import { HIST_BUCKETS, bucketOf, nowUs, summarize } from './loadgen.mjs';

export class Publisher {
  /** `base` is `http://127.0.0.1:<port>`; at most `maxSockets` keep-alive connections. */
  constructor(base, secret, maxSockets) {
    const url = new URL(base);
    this.host = url.hostname;
    this.port = Number(url.port);
    this.auth = `Bearer ${secret}`;
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  /**
   * Resolves `{ status, body, headers }` (body parsed when JSON); rejects on a network error or
   * after `timeoutMs`. A string payload is sent as it is (a body built once, sent many times).
   */
  post(path, payload, timeoutMs = 30_000) {
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.host,
          port: this.port,
          path,
          method: 'POST',
          headers: { authorization: this.auth, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            let body = null;
            try {
              body = JSON.parse(Buffer.concat(chunks).toString());
            } catch {
              // not JSON: keep null
            }
            resolve({ status: res.statusCode, body, headers: res.headers });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('request timeout')));
      req.on('error', reject);
      req.end(text);
    });
  }

  close() {
    this.agent.destroy();
  }
}

/**
 * `requests` POSTs of `body` with `concurrency` in flight (closed loop), stopping early at
 * `limitMs`. Resolves `{ done, failed, ms }`.
 */
export async function closedLoop(publisher, path, body, { requests, concurrency, limitMs }) {
  let issued = 0;
  let failed = 0;
  const start = Date.now();
  const deadline = start + limitMs;
  const lane = async () => {
    while (issued < requests && Date.now() < deadline) {
      issued++;
      try {
        const res = await publisher.post(path, body);
        if (res.status !== 200) failed++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { done: issued, failed, ms: Date.now() - start };
}

/**
 * One step of a ladder: `posts` POSTs spread evenly over `seconds` (open loop: request i is due
 * at start + i/rate whatever the answers; at most `maxInFlight` outstanding). `bodyFor(i, dueUs)`
 * builds request i (its payload carries the due time, so a late send counts as latency);
 * `check(res)` returns `[deliveries the answer promises, error reason or null]`.
 * `publisherFor(i)` picks the publisher (node) of request i.
 * Resolves when every sent request is answered, or at the step's hard limit.
 */
export function rateStep({ publishers, path, posts, seconds, bodyFor, check, publisherFor = (i) => i % publishers.length, maxInFlight = 512 }) {
  const perUs = posts / (seconds * 1e6);
  const t0 = nowUs();
  const giveUpUs = t0 + seconds * 2e6 + 5e6; // stop sending: the server is far behind
  const hardLimitUs = giveUpUs + 30e6; // stop waiting for answers
  const result = { posts, sent: 0, answered: 0, ok: 0, failed: 0, expected: 0, abandoned: 0, errors: {}, sendSeconds: 0 };
  let inFlight = 0;
  // Answer times (send to response, µs), to tell a slow intake from a slow delivery.
  const answerHist = new Uint32Array(HIST_BUCKETS);
  let answerMaxUs = 0;
  return new Promise((resolve) => {
    const fail = (reason) => {
      result.failed++;
      const key = String(reason).slice(0, 120);
      result.errors[key] = (result.errors[key] ?? 0) + 1;
    };
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      result.sendSeconds = result.sendSeconds || (nowUs() - t0) / 1e6;
      result.failed += inFlight; // never answered within the limit
      result.answer = summarize([answerHist], answerMaxUs);
      resolve(result);
    };
    const pump = () => {
      const now = nowUs();
      const due = Math.min(posts, Math.floor((now - t0) * perUs) + 1);
      while (result.sent < due && inFlight < maxInFlight) {
        const i = result.sent++;
        const dueUs = t0 + i / perUs;
        inFlight++;
        const sentUs = nowUs();
        publishers[publisherFor(i)]
          .post(path, bodyFor(i, dueUs))
          .then((res) => {
            const took = nowUs() - sentUs;
            answerHist[bucketOf(took)]++;
            if (took > answerMaxUs) answerMaxUs = took;
            const [promised, error] = check(res);
            result.expected += promised;
            if (error) fail(error);
            else result.ok++;
          })
          .catch(fail)
          .finally(() => {
            inFlight--;
            result.answered++;
            if (result.sent === posts && result.answered === posts) finish();
          });
      }
      if (result.sent === posts && !result.sendSeconds) result.sendSeconds = (now - t0) / 1e6;
      if (result.sent < posts && now > giveUpUs) {
        result.abandoned = posts - result.sent;
        result.sent = posts; // nothing more will be sent
        result.answered += result.abandoned;
        result.sendSeconds = (now - t0) / 1e6;
        if (inFlight === 0) finish();
      }
      if (now > hardLimitUs) finish();
    };
    const timer = setInterval(pump, 2);
    pump();
  });
}
