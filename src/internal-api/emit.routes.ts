import { Injectable, Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { type Ack, fail, ok } from '../common/ack.js';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { schemaValidator } from '../common/dto-validator.js';
import type { HttpErrorFilter } from '../common/http-exception.filter.js';
import { parseEmitBody } from '../delivery/dto/emit.dto.js';
import { EmitService } from '../delivery/emit.service.js';
import { type EmitResponse, toEmitResponse } from '../delivery/emit-response.js';
import { type InternalActionName, MetricsService } from '../metrics/metrics.service.js';
import { IntakeLimiter } from './intake-limiter.js';

type Handler = (body: unknown) => Promise<unknown>;

export const MAX_BATCH_ITEMS = 500;

/** The batch envelope `{ items: [1..500] }`; each item is an emit body, checked on its own. */
const checkBatch = schemaValidator({
  type: 'object',
  properties: { items: { type: 'array', minItems: 1, maxItems: MAX_BATCH_ITEMS } },
  required: ['items'],
});

/**
 * The backend intake, the hottest HTTP path (docs/protocol.md §6.1, §6.3), as two plain Fastify routes
 * rather than a Nest controller: Nest's router context, its RxJS interceptor chain and its
 * response controller cost about a third of the server CPU of a `POST /internal/emit`
 * (docs/performance.md). The routes keep what the controller gave: EmitDto's rules as a compiled
 * validator (`parseEmitBody`), the same error bodies (HttpErrorFilter.send), the same
 * `gateway_internal_requests_total` count, and the intake limiter (its load check before the body
 * is read). The secret is checked before them, as for every /internal route, by InternalSecretHook,
 * then the store by StoreAvailableHook; every other Fastify hook
 * (INTERNAL_PORT filter, request log) applies as to any route.
 */
@Injectable()
export class EmitRoutes {
  private readonly logger = new Logger(EmitRoutes.name);

  constructor(
    private readonly emitter: EmitService,
    private readonly limiter: IntakeLimiter,
    private readonly metrics: MetricsService,
  ) {}

  /** Adds both routes to `fastify`; errors leave through `errors` like those of every Nest route. */
  register(fastify: FastifyInstance, errors: HttpErrorFilter): void {
    // Before the body is read (after the secret and store hooks): a request the node cannot take
    // now is answered 503 at once, whatever body it announces. The connection stays open (Node
    // discards the unread body): a backend's keep-alive connection carries its retry, and requests
    // it already queued on that connection are answered rather than cut off.
    const admit = (_req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
      try {
        this.limiter.admitNow();
        done();
      } catch (err) {
        errors.send(reply, err);
      }
    };
    const route = (action: InternalActionName, handle: Handler) => async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        this.metrics.internalRequest(action, 'http');
        return await handle(req.body);
      } catch (err) {
        errors.send(reply, err);
        return reply;
      }
    };
    fastify.post('/internal/emit', { onRequest: admit }, route('emit', (body) => this.emit(body)));
    fastify.post('/internal/emit/batch', { onRequest: admit }, route('emit_batch', (body) => this.batch(body)));
  }

  /**
   * One emit: validated, counted in flight while it waits for its turn and runs
   * (IntakeLimiter.acquire, then inTurn).
   */
  async emit(body: unknown): Promise<Ack<EmitResponse>> {
    const cmd = parseEmitBody(body);
    this.limiter.acquire(1);
    try {
      return await this.limiter.inTurn(async () => ok(toEmitResponse(await this.emitter.emit(cmd))));
    } finally {
      this.limiter.release(1);
    }
  }

  /**
   * Each item as POST /internal/emit, validated and allowlisted on its own; results in the
   * items' order. The batch is counted in flight (an item counts one) while it waits for its
   * turn and runs. Items run concurrently, except that an item repeating an earlier item's
   * idempotencyKey waits for it, so it returns that item's data like a repeated request would.
   */
  async batch(body: unknown): Promise<Ack<{ results: Array<Ack<EmitResponse>> }>> {
    checkBatch(body);
    const { items } = body as { items: unknown[] };
    this.limiter.acquire(items.length);
    try {
      return await this.limiter.inTurn(() => this.runBatch(items), items.length);
    } finally {
      this.limiter.release(items.length);
    }
  }

  private async runBatch(items: unknown[]): Promise<Ack<{ results: Array<Ack<EmitResponse>> }>> {
    const byKey = new Map<string, Promise<unknown>>();
    const results = items.map((item) => {
      const run = async (): Promise<Ack<EmitResponse>> => {
        const cmd = parseEmitBody(item);
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
  }

  private itemError(err: unknown) {
    if (err instanceof AppError) return err.toBody();
    this.logger.error({ reason: (err as Error)?.message }, 'Batch item failed');
    return new AppError(ErrorCode.INTERNAL).toBody();
  }
}
