import { AppError, ErrorCode } from '../common/error-codes.js';
import { loadConfig } from '../config/load-config.js';
import { MemoryRateLimitStore } from '../engine/memory/memory-rate-limit.store.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { AttemptLimits } from '../rate-limit/attempt-limits.js';
import { InternalSecretHook } from './internal-secret.hook.js';

const SECRET = 'spec-internal-secret-0123456789';

function build(env: Record<string, string> = {}): { hook: InternalSecretHook; metrics: MetricsService } {
  const config = loadConfig({ JWT_SECRET: 'x'.repeat(20), INTERNAL_SECRET: SECRET, RATE_LIMIT_MAX_CONNECTIONS: '1000', ...env });
  const metrics = new MetricsService();
  return { hook: new InternalSecretHook(config, new AttemptLimits(config, new MemoryRateLimitStore()), metrics), metrics };
}

function refusal(run: () => void): AppError {
  try {
    run();
  } catch (err) {
    return err as AppError;
  }
  throw new Error('accepted');
}

describe('InternalSecretHook.check', () => {
  it('accepts the secret as a Bearer token, whatever the scheme case and surrounding spaces', () => {
    const { hook } = build();
    expect(() => hook.check('10.0.0.1', `Bearer ${SECRET}`)).not.toThrow();
    expect(() => hook.check('10.0.0.1', `bearer   ${SECRET}  `)).not.toThrow();
  });

  it.each([
    ['no header', undefined],
    ['another scheme', `Basic ${SECRET}`],
    ['the secret without a scheme', SECRET],
    ['a wrong value of the same length', `Bearer ${'x'.repeat(SECRET.length)}`],
    ['the secret with one byte changed', `Bearer ${SECRET.slice(0, -1)}X`],
    ['a prefix of the secret', `Bearer ${SECRET.slice(0, 10)}`],
    ['the secret and more', `Bearer ${SECRET}0`],
    ['an empty token', 'Bearer '],
    ['multi-byte text of the secret’s byte length', `Bearer ${'é'.repeat(SECRET.length / 2)}${'x'.repeat(SECRET.length % 2)}`],
  ])('refuses %s with UNAUTHORIZED and counts it', (_what, header) => {
    const { hook, metrics } = build();
    const err = refusal(() => hook.check('10.0.0.2', header));
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe(ErrorCode.UNAUTHORIZED);
    return metrics.registry.getSingleMetricAsString('gateway_internal_auth_failures_total').then((text) => expect(text).toMatch(/ 1$/m));
  });

  it('answers NOT_FOUND when no secret is configured, even to a right-looking token', () => {
    const { hook } = build({ INTERNAL_SECRET: '' });
    expect(refusal(() => hook.check('10.0.0.3', `Bearer ${SECRET}`)).code).toBe(ErrorCode.NOT_FOUND);
  });
});
