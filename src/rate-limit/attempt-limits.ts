import { Injectable } from '@nestjs/common';
import { AppConfig, type RateLimitRule } from '../config/app-config.js';
import { type RateDecision, RateLimitStore } from '../engine/rate-limit.store.js';

/**
 * Attempts counted per key across all nodes (connection handshakes, credential failures, admin
 * logins), by default within the connection budget (RATE_LIMIT_MAX_CONNECTIONS per window).
 */
@Injectable()
export class AttemptLimits {
  constructor(
    private readonly config: AppConfig,
    private readonly store: RateLimitStore,
  ) {}

  /** Counts one attempt; `allowed` is false once the budget is spent. */
  hit(key: string, rule: RateLimitRule = this.connectionBudget()): Promise<RateDecision> {
    return this.store.hit(key, rule[0], rule[1], Date.now());
  }

  /** Whether one more attempt would be allowed, counting nothing. */
  peek(key: string, rule: RateLimitRule = this.connectionBudget()): Promise<RateDecision> {
    return this.store.peek(key, rule[0], rule[1], Date.now());
  }

  private connectionBudget(): RateLimitRule {
    const { maxConnections, connectionWindowMs } = this.config.rateLimit;
    return [maxConnections, connectionWindowMs];
  }
}
