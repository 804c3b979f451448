/** First delay of the client's own retries (refused handshakes, server-side disconnects). */
export const RETRY_BASE_MS = 1000;
/** Spread added to a drained node's `reconnectAfterMs` (which the gateway already randomised). */
export const SHUTDOWN_JITTER_MS = 100;

/**
 * "Equal jitter": half of `ms` for certain, the other half at random. Clients refused or dropped
 * together (a node restarting, Redis briefly away) then come back spread over the interval
 * instead of all at the same instant, and none retries sooner than half the backoff.
 */
export function withJitter(ms: number, random: () => number = Math.random): number {
  return Math.round(ms / 2 + (random() * ms) / 2);
}

/** The delay before retry number `attempt` (0 first): exponential from RETRY_BASE_MS up to `maxMs`, jittered. */
export function retryDelay(attempt: number, maxMs: number, random: () => number = Math.random): number {
  return withJitter(Math.min(maxMs, RETRY_BASE_MS * 2 ** attempt), random);
}

/** How long to wait after `server:shutdown` before reconnecting: the gateway's delay plus a little spread. */
export function shutdownDelay(reconnectAfterMs: unknown, random: () => number = Math.random): number {
  const asked = typeof reconnectAfterMs === 'number' && Number.isFinite(reconnectAfterMs) ? Math.min(Math.max(0, reconnectAfterMs), 60_000) : 0;
  return Math.round(asked + random() * SHUTDOWN_JITTER_MS);
}
