/** Answers whether the engine's store can be reached (readiness, handshakes). */
export abstract class EngineHealth {
  abstract readonly kind: 'memory' | 'redis';
  /** Resolves true when the store answers within `timeoutMs`. */
  abstract ping(timeoutMs: number): Promise<boolean>;
  /** Calls `listener` each time the store is reachable again after a loss (it may have come back empty). Never, in memory. */
  abstract onReconnect(listener: () => void): void;
}
