import { Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { HttpErrorFilter } from '../common/http-exception.filter.js';
import { StoreUnavailableError } from '../common/store-unavailable.js';
import { EngineHealth } from '../engine/engine-health.js';
import { isInternalApi } from './internal-secret.hook.js';
import { routePath } from './route-path.js';

/**
 * Every /internal route needs the engine's store: while it is unreachable (Redis away), a request
 * that passed the secret is answered 503 with Retry-After at once (docs/protocol.md §8), before
 * its body is read — nothing half-done, nothing queued to be lost, never a hang. Registered after
 * InternalSecretHook, so an unauthenticated caller learns nothing of the store's state.
 */
@Injectable()
export class StoreAvailableHook {
  constructor(private readonly engine: EngineHealth) {}

  register(fastify: FastifyInstance, errors: HttpErrorFilter): void {
    fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
      if (this.engine.available() || !isInternalApi(routePath(req))) return done();
      // The body was not read and will not be: close rather than drain it for a keep-alive.
      void reply.header('connection', 'close');
      errors.send(reply, new StoreUnavailableError());
    });
  }
}
