import type { RateLimitRule } from '../config/app-config.js';

/** docs/protocol.md §4.9 defaults: [limit, windowMs] per user, per event, across all sockets and nodes. */
export const DEFAULT_EVENT_LIMITS: Readonly<Record<string, RateLimitRule>> = {
  'message:new': [30, 60_000],
  'message:typing': [10, 10_000],
  'message:delivered': [100, 60_000],
  'message:read': [100, 60_000],
  'presence:update': [20, 60_000],
  'call:initiate': [5, 60_000],
  'reaction:new': [50, 60_000],
  'reaction:remove': [50, 60_000],
  send_message: [30, 60_000],
};

export const DEFAULT_OTHER_LIMIT: RateLimitRule = [120, 60_000];

/** The rule for one event: RATE_LIMITS overrides first, then the table, then "any other event". */
export class EventRateLimits {
  private readonly rules: Record<string, RateLimitRule>;
  private readonly other: RateLimitRule;

  constructor(overrides: Record<string, RateLimitRule> = {}) {
    this.rules = { ...DEFAULT_EVENT_LIMITS, ...overrides };
    this.other = overrides['*'] ?? DEFAULT_OTHER_LIMIT;
  }

  ruleFor(event: string): RateLimitRule {
    return Object.hasOwn(this.rules, event) ? this.rules[event] : this.other;
  }
}
