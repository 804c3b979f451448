/** Answers whether the engine's store can be reached (readiness, handshakes). */
export abstract class EngineHealth {
  abstract readonly kind: 'memory' | 'redis';
  /** Resolves true when the store answers within `timeoutMs`. */
  abstract ping(timeoutMs: number): Promise<boolean>;
  /**
   * Whether the store's connection is up right now, without a round trip: false while Redis is
   * unreachable (the client reconnects), so requests that need it are refused at once instead of
   * failing later or waiting.
   */
  abstract available(): boolean;
  /** Calls `listener` each time the store is reachable again after a loss (it may have come back empty). Never, in memory. */
  abstract onReconnect(listener: () => void): void;
}
