import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { StoreUnavailableError } from '../common/store-unavailable.js';
import { EngineHealth } from '../engine/engine-health.js';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Bearer auth of /internal/* (SPEC §6.1). Both sides are hashed to equal length first so the
 * comparison is constant-time whatever the length of the presented value. No secret → 404.
 * Then, every internal route needing the store, a request that passed is refused at once with
 * 503 + Retry-After while the store is unreachable (SPEC §8): nothing half-done, nothing queued.
 */
@Injectable()
export class InternalSecretGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(
    config: AppConfig,
    private readonly engine: EngineHealth,
  ) {
    this.expected = config.internalSecret ? digest(config.internalSecret) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    this.authorize(context.switchToHttp().getRequest<FastifyRequest>().headers.authorization);
    this.requireStore();
    return true;
  }

  /** Throws StoreUnavailableError (503 + Retry-After) while the engine's store is unreachable. */
  requireStore(): void {
    if (!this.engine.available()) throw new StoreUnavailableError();
  }

  /** Throws unless `header` is `Bearer <INTERNAL_SECRET>` (also the emit routes' check, which are not Nest routes). */
  authorize(header: string | undefined): void {
    if (!this.expected) throw new AppError(ErrorCode.NOT_FOUND, 'Route not found');
    const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
    const presented = digest(match ? match[1].trim() : '');
    if (!match || !timingSafeEqual(presented, this.expected)) {
      throw new AppError(ErrorCode.UNAUTHORIZED, 'Missing or wrong internal secret');
    }
  }
}
