import { setTimeout as delay } from 'node:timers/promises';

/**
 * Bounded polling for state that has no event to await (HTTP health, metrics): calls `probe`
 * every `intervalMs` until it returns a value `accept` likes, or fails with the last value.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  { timeoutMs = 5000, intervalMs = 25 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      lastError = undefined;
      if (accept(last)) return last;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const seen = lastError !== undefined ? `error ${(lastError as Error).message}` : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${seen}`);
    }
    await delay(intervalMs);
  }
}
