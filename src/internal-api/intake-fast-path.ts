import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { Injectable } from '@nestjs/common';
import { clientIp } from '../common/client-ip.js';
import { type HttpErrorFilter, JSON_TYPE } from '../common/http-exception.filter.js';
import { StoreUnavailableError } from '../common/store-unavailable.js';
import { AppConfig } from '../config/app-config.js';
import { EngineHealth } from '../engine/engine-health.js';
import { type InternalActionName, MetricsService } from '../metrics/metrics.service.js';
import { EmitRoutes } from './emit.routes.js';
import { MAX_BODY_BYTES } from './http-server-options.js';
import { IntakeLimiter } from './intake-limiter.js';
import { InternalSecretHook } from './internal-secret.hook.js';

/** The two intake routes by their exact spelling; any other spelling goes through Fastify. */
const ACTIONS: Readonly<Record<string, InternalActionName>> = { '/internal/emit': 'emit', '/internal/emit/batch': 'emit_batch' };

/** Content types the raw path reads (lower-cased); other JSON spellings go through Fastify's parser. */
const JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8']);

/** The JSON error of a body that does not parse, as Fastify's parser answers it. */
const INVALID_JSON = Object.assign(new Error('Body is not valid JSON'), { statusCode: 400 });

/**
 * Parses a request body as Fastify's JSON parser does: invalid JSON, and objects with a
 * `__proto__` key or a `constructor` key holding a `prototype` (prototype poisoning), are refused.
 * The walk is iterative (a body of a million `[` must not overflow the stack) and runs only when
 * the text could spell one of those keys.
 */
export function parseJsonBody(text: string): unknown {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw INVALID_JSON;
  }
  if (!text.includes('__proto__') && !text.includes('constructor') && !text.includes('\\u')) return value;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const node = pending.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      for (const item of node) pending.push(item);
      continue;
    }
    if (Object.prototype.hasOwnProperty.call(node, '__proto__')) throw INVALID_JSON;
    const ctor = (node as Record<string, unknown>).constructor;
    if (Object.prototype.hasOwnProperty.call(node, 'constructor') && ctor !== null && typeof ctor === 'object' && Object.prototype.hasOwnProperty.call(ctor, 'prototype')) throw INVALID_JSON;
    for (const key of Object.keys(node)) pending.push((node as Record<string, unknown>)[key]);
  }
  return value;
}

/**
 * `POST /internal/emit` and `POST /internal/emit/batch` on Node's HTTP request directly, ahead of
 * Fastify: its request and reply objects, hook chains and content-type parser cost about a
 * quarter of the node's CPU per message at a few thousand pushes a second (docs/performance.md),
 * which a bare Socket.IO server with its own `POST /emit` never pays. The raw path answers
 * exactly what the Fastify routes answer, in the same order: the INTERNAL_SECRET check and its
 * failure budget (InternalSecretHook), the store (StoreAvailableHook), the load admission before
 * the body is read (IntakeLimiter), the JSON body, then EmitRoutes and HttpErrorFilter's error
 * bodies. It takes only what it reads the same way: the exact path, `Content-Length` within the
 * body limit (no chunked body), a plain JSON content type, and no per-request log (LOG_LEVEL
 * debug); anything else — other spellings, other types, over-long bodies — goes to Fastify, which
 * answers as before. test/e2e/intake-fast-path.e2e-spec.ts holds both paths to the same answers.
 */
@Injectable()
export class IntakeFastPath {
  private errors?: HttpErrorFilter;
  private logsRequests = false;

  constructor(
    private readonly config: AppConfig,
    private readonly routes: EmitRoutes,
    private readonly secret: InternalSecretHook,
    private readonly engine: EngineHealth,
    private readonly limiter: IntakeLimiter,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * `listener` with the intake routes taken first. `errors` answers failures; with `logsRequests`
   * every request goes to Fastify, whose hook writes the request log.
   */
  wrap(listener: RequestListener, errors: HttpErrorFilter, logsRequests: boolean): RequestListener {
    this.errors = errors;
    this.logsRequests = logsRequests;
    return (req, res) => {
      if (!this.takes(req)) listener(req, res);
      else this.serve(req, res, ACTIONS[req.url as string]);
    };
  }

  private takes(req: IncomingMessage): boolean {
    if (req.method !== 'POST' || ACTIONS[req.url as string] === undefined || this.logsRequests) return false;
    const { headers } = req;
    if (headers['transfer-encoding'] !== undefined) return false;
    const length = Number(headers['content-length']);
    if (!(length > 0 && length <= MAX_BODY_BYTES)) return false;
    const type = headers['content-type'];
    return type !== undefined && JSON_TYPES.has(type.toLowerCase());
  }

  private serve(req: IncomingMessage, res: ServerResponse, action: InternalActionName): void {
    try {
      this.secret.check(clientIp(req.headers, req.socket.remoteAddress ?? '', this.config.trustProxy), req.headers.authorization);
      if (!this.engine.available()) throw new StoreUnavailableError();
    } catch (err) {
      // The body was not read and will not be: close rather than drain it for a keep-alive.
      return this.fail(res, err, true);
    }
    try {
      this.limiter.admitNow();
    } catch (err) {
      // The connection stays open (Node discards the unread body): see EmitRoutes.register.
      return this.fail(res, err, false);
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body: unknown;
      try {
        body = parseJsonBody((chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8'));
      } catch (err) {
        return this.fail(res, err, true);
      }
      this.metrics.internalRequest(action, 'http');
      (action === 'emit' ? this.routes.emit(body) : this.routes.batch(body)).then(
        (result) => this.write(res, 200, JSON.stringify(result)),
        (err: unknown) => this.fail(res, err, false),
      );
    });
    // An aborted upload ends here: nothing was emitted, and nobody is left to answer.
  }

  private fail(res: ServerResponse, err: unknown, close: boolean): void {
    const answer = (this.errors as HttpErrorFilter).answer(err);
    if (answer.retryAfterSec !== undefined) res.setHeader('Retry-After', String(answer.retryAfterSec));
    if (close) res.setHeader('connection', 'close');
    this.write(res, answer.status, JSON.stringify(answer.body));
  }

  private write(res: ServerResponse, status: number, text: string): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}
