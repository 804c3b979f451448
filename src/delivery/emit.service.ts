import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { IdempotencyStore } from '../engine/idempotency.store.js';
import type { AllowedEventName } from '../socket/events.js';
import { DeliveryService, type RecipientReport } from './delivery.service.js';
import { EventAllowlist } from './event-allowlist.js';

export interface EmitCommand {
  userId?: string;
  userIds?: string[];
  room?: string;
  event: string;
  payload?: unknown;
  idempotencyKey?: string;
}

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
    const targets = [cmd.userId, cmd.userIds, cmd.room].filter((t) => t !== undefined).length;
    if (targets !== 1) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, 'Exactly one of userId, userIds, room is required', [
        { field: 'userId', errors: ['exactly one of userId, userIds, room must be given'] },
      ]);
    }
    const event = cmd.event;
    if (!this.isAllowed(event)) {
      throw new AppError(ErrorCode.EVENT_NOT_ALLOWED, `Event "${event}" is not in EMIT_ALLOWED_EVENTS`);
    }
    if (!cmd.idempotencyKey) return this.deliver(cmd, event);

    // Namespaced: the control bus claims sealed message ids in the same store.
    const key = `emit:${cmd.idempotencyKey}`;
    const claim = await this.idempotency.claim(key, IDEMPOTENCY_TTL_MS, Date.now());
    if (!claim.first) return (claim.result as EmitResult | undefined) ?? {};
    try {
      const result = await this.deliver(cmd, event);
      await this.idempotency.complete(key, result, IDEMPOTENCY_TTL_MS, Date.now());
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
