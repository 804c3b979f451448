import { spawn } from 'node:child_process';

export interface FloodOptions {
  url: string;
  secret: string;
  /** Items 0, tracedEvery, 2·tracedEvery… of each batch go to this user with a sequence number. */
  tracedUser: string;
  tracedEvery: number;
  connections: number;
  items: number;
  ms: number;
}

export interface FloodResult {
  statuses: Record<string, number>;
  /** The sequence numbers of the traced items in batches answered 200. */
  accepted: number[];
  missingRetryAfter: number;
}

/**
 * `connections` connections posting `items`-item batches to /internal/emit/batch back to back
 * for `ms`, each waiting what Retry-After asks after a 503, as a backend should. They run in a
 * separate process, so that the load is the gateway's to bear, not the test's own event loop's.
 * The other items target users who are not connected.
 */
export function batchFlood(options: FloodOptions): Promise<FloodResult> {
  const script = `
    const o = ${JSON.stringify(options)};
    const offline = Array.from({ length: o.items }, (_, i) => JSON.stringify({ userId: 'offline-' + i, event: 'message', payload: { i } }));
    const statuses = {};
    const accepted = [];
    let missingRetryAfter = 0;
    let seq = 0;
    const until = Date.now() + o.ms;
    const sender = async () => {
      while (Date.now() < until) {
        const traced = [];
        const items = offline.map((item, i) => {
          if (i % o.tracedEvery !== 0) return item;
          traced.push(++seq);
          return JSON.stringify({ userId: o.tracedUser, event: 'message', payload: seq });
        });
        let status = 'network';
        let retryAfter = null;
        try {
          const res = await fetch(o.url + '/internal/emit/batch', {
            method: 'POST',
            headers: { Authorization: 'Bearer ' + o.secret, 'Content-Type': 'application/json' },
            body: '{"items":[' + items.join(',') + ']}',
          });
          await res.arrayBuffer();
          status = res.status;
          retryAfter = res.headers.get('retry-after');
        } catch {}
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status === 200) accepted.push(...traced);
        if (status === 503 && retryAfter === null) missingRetryAfter += 1;
        if (status === 503) await new Promise((r) => setTimeout(r, 1000 * Number(retryAfter ?? 1)));
      }
    };
    Promise.all(Array.from({ length: o.connections }, sender)).then(() => process.stdout.write(JSON.stringify({ statuses, accepted, missingRetryAfter })));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  return new Promise((resolve, reject) => {
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`the batch flood exited ${code}`));
      resolve(JSON.parse(out) as FloodResult);
    });
  });
}
