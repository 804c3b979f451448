import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { IdempotencyStore } from '../engine/idempotency.store.js';
import { assertExactlyOne } from '../common/validators.js';
import type { AllowedEventName, EmitPayload } from '../socket/events.js';
import { DeliveryService, type RecipientReport } from './delivery.service.js';
import { EMIT_TARGETS } from './dto/emit.dto.js';
import { EventAllowlist } from './event-allowlist.js';

/** A validated emit (EmitDto's fields), whichever path it came by. */
export type EmitCommand = EmitPayload;

export interface EmitResult {
  recipients?: RecipientReport;
  room?: string;
}

const IDEMPOTENCY_TTL_MS = 5 * 60 * 1000;

/** Backend-initiated emits (HTTP, control bus, internal namespace): allowlist, target, idempotency. */
@Injectable()
export class EmitService {
  private readonly allowlist: EventAllowlist;

  constructor(
    config: AppConfig,
    private readonly delivery: DeliveryService,
    private readonly idempotency: IdempotencyStore,
  ) {
    this.allowlist = new EventAllowlist(config.emitAllowedEvents);
  }

  isAllowed(event: string): event is AllowedEventName {
    return this.allowlist.allows(event);
  }

  async emit(cmd: EmitCommand): Promise<EmitResult> {
    assertExactlyOne(cmd, EMIT_TARGETS);
    const event = cmd.event;
    if (!this.isAllowed(event)) {
      throw new AppError(ErrorCode.EVENT_NOT_ALLOWED, `Event "${event}" is not in EMIT_ALLOWED_EVENTS`);
    }
    if (!cmd.idempotencyKey) return this.deliver(cmd, event);

    // Namespaced: the control bus claims sealed message ids in the same store.
    const key = `emit:${cmd.idempotencyKey}`;
    const body = fingerprint(cmd);
    const claim = await this.idempotency.claim(key, IDEMPOTENCY_TTL_MS, Date.now());
    if (!claim.first) return repeated(claim.result, body);
    try {
      const result = await this.deliver(cmd, event);
      const stored: StoredEmit = { body, result };
      await this.idempotency.complete(key, stored, IDEMPOTENCY_TTL_MS, Date.now());
      return result;
    } catch (err) {
      await this.idempotency.release(key).catch(() => undefined);
      throw err;
    }
  }

  /**
   * True for the first claim of `id` among all nodes within `ttlMs` (the idempotency store): the
   * control bus applies a sealed message once however many nodes hear it, and drops replays.
   */
  async claimOnce(id: string, ttlMs: number): Promise<boolean> {
    return (await this.idempotency.claim(id, ttlMs, Date.now())).first;
  }

  private async deliver(cmd: EmitCommand, event: AllowedEventName): Promise<EmitResult> {
    if (cmd.room !== undefined) {
      this.delivery.pushToRoom(cmd.room, event, cmd.payload ?? null);
      return { room: cmd.room };
    }
    const userIds = cmd.userIds ?? [cmd.userId as string];
    return { recipients: await this.delivery.pushToUsers(userIds, event, cmd.payload ?? null) };
  }
}

/** What an idempotency key remembers: the first call's body fingerprint and its data. */
interface StoredEmit {
  body: string;
  result: EmitResult;
}

/**
 * A repeat of a key: the first call's data when the body is the same; 409 when it differs (a
 * reused key would otherwise silently drop the new message). A call still in flight has no
 * stored body yet: the repeat gets empty data.
 */
function repeated(stored: unknown, body: string): EmitResult {
  if (stored === undefined || stored === null) return {};
  const s = stored as Partial<StoredEmit>;
  // Stored by a node that kept no fingerprint (a rolling upgrade): the data alone.
  if (typeof s.body !== 'string') return stored as EmitResult;
  if (s.body !== body) throw new AppError(ErrorCode.IDEMPOTENCY_KEY_REUSED, 'This idempotencyKey was used with another body within 5 minutes');
  return s.result ?? {};
}

/** The emit's target, event and payload, hashed; object keys sorted, so key order does not matter. */
function fingerprint(cmd: EmitCommand): string {
  const canonical = JSON.stringify([cmd.userId ?? null, cmd.userIds ?? null, cmd.room ?? null, cmd.event, cmd.payload ?? null], sortKeys);
  return createHash('sha256').update(canonical).digest('base64url');
}

function sortKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) sorted[k] = (value as Record<string, unknown>)[k];
  return sorted;
}
