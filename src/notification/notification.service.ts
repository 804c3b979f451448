import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { assertExactlyOne } from '../common/validators.js';
import { DeliveryService } from '../delivery/delivery.service.js';
import { NotificationStore, type NotificationRules, type StoredNotification } from '../engine/notification.store.js';
import { Rooms } from '../socket/rooms.js';
import type { NotificationBodyDto } from './dto/notification.dto.js';

export interface PushResult {
  id: string;
  recipients: { total: number; sent: number; failed: number };
}

/**
 * Notifications (docs/protocol.md §4.6): stored as pending per user (newest NOTIFICATIONS_MAX_PENDING,
 * NOTIFICATIONS_TTL) and emitted as `notification:new`. Reading or clearing one takes it off
 * the pending list.
 */
@Injectable()
export class NotificationService {
  constructor(
    private readonly config: AppConfig,
    private readonly store: NotificationStore,
    private readonly delivery: DeliveryService,
  ) {}

  private rules(): NotificationRules {
    const { maxPending, ttlSec } = this.config.notifications;
    return { maxPending, ttlMs: ttlSec * 1000, now: Date.now() };
  }

  async push(target: { userId?: string; userIds?: string[] }, body: NotificationBodyDto): Promise<PushResult> {
    assertExactlyOne(target, ['userId', 'userIds']);
    const userIds = target.userIds ?? [target.userId as string];
    const notification: StoredNotification = {
      id: body.id ?? randomUUID(),
      type: body.type,
      ...(body.title !== undefined ? { title: body.title } : {}),
      ...(body.body !== undefined ? { body: body.body } : {}),
      ...(body.data !== undefined ? { data: body.data } : {}),
      createdAt: new Date().toISOString(),
    };
    const unique = [...new Set(userIds)];
    const rules = this.rules();
    await Promise.all(unique.map((u) => this.store.add(u, notification, rules)));
    const report = await this.delivery.toUsers(unique, 'notification:new', notification);
    return { id: notification.id, recipients: { total: report.total, sent: report.sent.length, failed: report.failed.length } };
  }

  async pending(userId: string): Promise<StoredNotification[]> {
    return this.store.list(userId, this.rules());
  }

  /** NOT_FOUND unless pending; on success every socket of the user learns it was read. */
  async read(userId: string, id: string): Promise<void> {
    if (!(await this.store.remove(userId, id, this.rules()))) throw new AppError(ErrorCode.NOT_FOUND, 'No such pending notification');
    this.delivery.toRoom(Rooms.user(userId), 'notification:read:success', { id });
  }

  async clear(userId: string, id: string): Promise<void> {
    if (!(await this.store.remove(userId, id, this.rules()))) throw new AppError(ErrorCode.NOT_FOUND, 'No such pending notification');
  }

  async clearAll(userId: string): Promise<{ cleared: number }> {
    return { cleared: await this.store.clear(userId, this.rules()) };
  }
}
