import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { DeliveryService } from '../delivery/delivery.service.js';
import { EmitService } from '../delivery/emit.service.js';
import type { ServiceIdentity } from '../service-registry/service-registry.service.js';
import { PresenceVisibility } from '../presence/presence-visibility.js';
import type { ServiceDirectMessage, ServiceSendReport, UserDirectMessage, UserSendReport } from '../socket/events.js';

export interface DirectMessage {
  recipientIds: string[];
  message: string;
  metadata?: Record<string, unknown>;
}

/** A user's report: `sent`/`failed` only among recipients the sender may see, the others `accepted`. */
export type { UserSendReport } from '../socket/events.js';

/**
 * Direct messages to users' sockets (docs/protocol.md §4.1 and §6.2 send_message). How a message is
 * labelled depends only on who is authenticated, never on what the sender wrote: a user's
 * `metadata.source` is dropped, a service's metadata is wrapped under its own identity.
 */
@Injectable()
export class DirectMessageService {
  constructor(
    private readonly delivery: DeliveryService,
    private readonly emitter: EmitService,
    private readonly visibility: PresenceVisibility,
  ) {}

  /** Strangers receive the message too, but the sender learns nothing about their presence (docs/protocol.md §4.1). */
  async fromUser(userId: string, msg: DirectMessage): Promise<UserSendReport> {
    const timestamp = new Date().toISOString();
    const { source: _dropped, ...metadata } = msg.metadata ?? {};
    const payload: UserDirectMessage = { from: userId, message: msg.message, metadata, timestamp };
    const [report, visible] = await Promise.all([
      this.delivery.toUsers(msg.recipientIds, 'message', payload),
      this.visibility.visibleAmong(userId, msg.recipientIds),
    ]);
    const recipients = {
      total: report.total,
      sent: report.sent.filter((u) => visible.has(u)),
      failed: report.failed.filter((u) => visible.has(u)),
      accepted: [...new Set(msg.recipientIds)].filter((u) => !visible.has(u)),
    };
    return { recipients, timestamp };
  }

  async fromService(service: ServiceIdentity, msg: DirectMessage & { event?: string }): Promise<ServiceSendReport> {
    const event = msg.event ?? 'message';
    if (!this.emitter.isAllowed(event)) throw new AppError(ErrorCode.EVENT_NOT_ALLOWED, `Event "${event}" is not in EMIT_ALLOWED_EVENTS`);
    const timestamp = new Date().toISOString();
    const payload: ServiceDirectMessage = {
      message: msg.message,
      metadata: { source: 'internal_service', serviceName: service.name, serviceType: service.type, timestamp, metadata: msg.metadata ?? {} },
    };
    return { status: 'sent', recipients: await this.delivery.pushToUsers(msg.recipientIds, event, payload), timestamp };
  }
}
