/** Answers whether the engine's store can be reached (readiness, handshakes). */
export abstract class EngineHealth {
  abstract readonly kind: 'memory' | 'redis';
  /** Resolves true when the store answers within `timeoutMs`. */
  abstract ping(timeoutMs: number): Promise<boolean>;
}
