import { spawn } from 'node:child_process';

/**
 * Times GET /health/live every `everyMs` from a separate process, so the figures are the
 * gateway's and not the test's own event loop, busy making the load. `stop()` returns the
 * latencies in ms (a failed request counts as Infinity).
 */
export function startLiveProbe(url: string, everyMs = 20): { stop(): Promise<number[]> } {
  const script = `
    const lat = [];
    let on = true;
    process.stdin.on('end', () => (on = false)).resume();
    (async () => {
      // Untimed: a fresh process's first fetch loads the HTTP client and opens the connection.
      try { await (await fetch(${JSON.stringify(`${url}/health/live`)})).arrayBuffer(); } catch {}
      while (on) {
        const t = performance.now();
        try { const r = await fetch(${JSON.stringify(`${url}/health/live`)}); await r.arrayBuffer(); lat.push(performance.now() - t); }
        catch { lat.push(-1); }
        await new Promise((r) => setTimeout(r, ${everyMs}));
      }
      process.stdout.write(JSON.stringify(lat));
    })();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    async stop() {
      child.stdin.end();
      await closed;
      return (JSON.parse(out || '[]') as number[]).map((ms) => (ms < 0 ? Infinity : ms));
    },
  };
}

/** The `q` quantile (0..1) of `values`, nearest rank. */
export function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * What "/health/live stays prompt" means on a shared test machine: a quantile under the load is at
 * most `floorMs`, or 3 times the same quantile on the idle node just before (other processes on
 * the host slow some answers, loaded or not). The reliability harness holds the strict bounds.
 */
export async function idleLive(url: string, ms = 2000): Promise<{ p50: number; p99: number }> {
  const probe = startLiveProbe(url);
  await new Promise((r) => setTimeout(r, ms));
  const samples = await probe.stop();
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) };
}

export const promptBound = (idleQuantile: number, floorMs: number) => Math.max(floorMs, 3 * idleQuantile);
