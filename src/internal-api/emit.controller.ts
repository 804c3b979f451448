import { Body, Controller, HttpCode, Logger, Post, UseGuards, UseInterceptors } from '@nestjs/common';
import { type Ack, fail, ok } from '../common/ack.js';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { EmitService } from '../delivery/emit.service.js';
import { batchItems, toEmitCommand } from './emit-body.validator.js';
import { type EmitResponse, toEmitResponse } from '../delivery/emit-response.js';
import { IntakeLimiter } from './intake-limiter.js';
import { InternalAction, InternalRequestMetrics } from './internal-request-metrics.interceptor.js';
import { InternalSecretGuard } from './internal-secret.guard.js';

/**
 * The backend intake, the hottest HTTP path (SPEC §6.1, §6.3). Bodies are typed `unknown` on
 * purpose: the global validation pipe skips non-class types, and a compiled JSON-schema
 * validator (emit-body.validator.ts) checks them instead of class-validator.
 */
@Controller('internal/emit')
@UseGuards(InternalSecretGuard)
@UseInterceptors(InternalRequestMetrics)
export class EmitController {
  private readonly logger = new Logger(EmitController.name);

  constructor(
    private readonly emitter: EmitService,
    private readonly limiter: IntakeLimiter,
  ) {}

  @Post()
  @InternalAction('emit')
  @HttpCode(200)
  async emit(@Body() body: unknown): Promise<Ack<EmitResponse>> {
    const cmd = toEmitCommand(body);
    this.limiter.acquire(1);
    try {
      return ok(toEmitResponse(await this.emitter.emit(cmd)));
    } finally {
      this.limiter.release(1);
    }
  }

  /**
   * Each item as POST /internal/emit, validated and allowlisted on its own; results in the
   * items' order. Items run concurrently, except that an item repeating an earlier item's
   * idempotencyKey waits for it, so it returns that item's data like a repeated request would.
   */
  @Post('batch')
  @InternalAction('emit_batch')
  @HttpCode(200)
  async batch(@Body() body: unknown): Promise<Ack<{ results: Array<Ack<EmitResponse>> }>> {
    const items = batchItems(body);
    this.limiter.acquire(items.length);
    try {
      const byKey = new Map<string, Promise<unknown>>();
      const results = items.map((item) => {
        const run = async (): Promise<Ack<EmitResponse>> => {
          const cmd = toEmitCommand(item);
          const earlier = cmd.idempotencyKey === undefined ? undefined : byKey.get(cmd.idempotencyKey);
          if (earlier) await earlier;
          return ok(toEmitResponse(await this.emitter.emit(cmd)));
        };
        const result = run().catch((err: unknown) => fail(this.itemError(err)));
        const key = (item as { idempotencyKey?: unknown } | null)?.idempotencyKey;
        if (typeof key === 'string') byKey.set(key, result);
        return result;
      });
      return ok({ results: await Promise.all(results) });
    } finally {
      this.limiter.release(items.length);
    }
  }

  private itemError(err: unknown) {
    if (err instanceof AppError) return err.toBody();
    this.logger.error({ reason: (err as Error)?.message }, 'Batch item failed');
    return new AppError(ErrorCode.INTERNAL).toBody();
  }
}
