import { timingSafeEqual } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { AppError, ErrorCode } from '../common/error-codes.js';
import type { HttpErrorFilter } from '../common/http-exception.filter.js';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { AttemptLimits } from '../rate-limit/attempt-limits.js';
import { routePath } from './route-path.js';

/** Addresses this node refuses after their failures spent the shared budget; bounded. */
const MAX_BLOCKED_ADDRESSES = 10_000;

/** Whether `path` (as routed) is one of the /internal routes. */
export const isInternalApi = (path: string) => {
  const p = path.toLowerCase();
  return p === '/internal' || p.startsWith('/internal/');
};

/**
 * Bearer auth of every /internal/* route (docs/protocol.md §6.1), as a Fastify `onRequest` hook: it runs
 * before the body is read, so a request without the secret is answered at once whatever body it
 * announces, and a route added later is covered by its path alone. The comparison takes the same
 * time whatever the presented value: a value of another length is not compared with the secret
 * but the secret with itself, and then refused (no hash per request: this runs on every call).
 * No secret configured → 404, as if the routes did not exist.
 *
 * Failed attempts are counted (`gateway_internal_auth_failures_total`) and limited per client IP
 * with the handshake budget (RATE_LIMIT_MAX_CONNECTIONS per window, shared by every node): once
 * an address spent it, this node answers it 429 before comparing anything until the window frees
 * up, so guessing the secret gets a handful of tries per window.
 */
@Injectable()
export class InternalSecretHook {
  private readonly logger = new Logger(InternalSecretHook.name);
  private readonly expected?: Buffer;
  /** Client IP → ms until which it is refused. */
  private readonly blocked = new Map<string, number>();

  constructor(
    config: AppConfig,
    private readonly attempts: AttemptLimits,
    private readonly metrics: MetricsService,
  ) {
    this.expected = config.internalSecret ? Buffer.from(config.internalSecret) : undefined;
  }

  /** Adds the hook to `fastify`; after any port filter, so the other port's routes stay invisible. */
  register(fastify: FastifyInstance, errors: HttpErrorFilter): void {
    fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
      if (!isInternalApi(routePath(req))) return done();
      try {
        this.check(req.ip, req.headers.authorization);
        done();
      } catch (err) {
        // The body was not read and will not be: close rather than drain it for a keep-alive.
        void reply.header('connection', 'close');
        errors.send(reply, err);
      }
    });
  }

  /** Throws unless `header` is `Bearer <INTERNAL_SECRET>` and `ip` may still try. */
  check(ip: string, header: string | undefined): void {
    if (!this.expected) throw new AppError(ErrorCode.NOT_FOUND, 'Route not found');
    const until = this.blocked.get(ip);
    if (until !== undefined) {
      const wait = until - Date.now();
      if (wait > 0) {
        this.metrics.rateLimited.inc({ scope: 'internal_http' });
        throw new AppError(ErrorCode.RATE_LIMITED, 'Too many failed attempts', { retryAfterMs: wait });
      }
      this.blocked.delete(ip);
    }
    const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
    const presented = Buffer.from(match ? match[1].trim() : '');
    const sameLength = presented.length === this.expected.length;
    if (timingSafeEqual(sameLength ? presented : this.expected, this.expected) && sameLength && match) return;
    this.failed(ip);
    throw new AppError(ErrorCode.UNAUTHORIZED, 'Missing or wrong internal secret');
  }

  private failed(ip: string): void {
    this.metrics.internalAuthFailures.inc();
    this.attempts.hit(`internal-http-failures:${ip}`).then(
      (decision) => {
        if (decision.allowed) return;
        if (this.blocked.size >= MAX_BLOCKED_ADDRESSES) this.blocked.delete(this.blocked.keys().next().value as string);
        this.blocked.set(ip, Date.now() + decision.retryAfterMs);
      },
      (err: Error) => this.logger.warn({ reason: err.message }, 'Could not count a failed internal secret'),
    );
  }
}
