import { ConnectedSocket, MessageBody, SubscribeMessage } from '@nestjs/websockets';
import { type Ack, ok } from '../common/ack.js';
import { AppError } from '../common/error-codes.js';
import { HasAck } from '../common/has-ack.decorator.js';
import { UserEventsGateway } from '../rate-limit/user-events-gateway.decorator.js';
import type { ClientAckData, UserSocket } from '../socket/events.js';
import { NotificationIdDto } from './dto/notification.dto.js';
import { NotificationService } from './notification.service.js';

/** Notification events of `/` (docs/protocol.md §4.6). */
@UserEventsGateway()
export class NotificationGateway {
  constructor(
    private readonly notifications: NotificationService,
  ) {}

  @SubscribeMessage('notification:get-pending')
  async pending(@ConnectedSocket() socket: UserSocket): Promise<Ack<ClientAckData<'notification:get-pending'>>> {
    return ok({ notifications: await this.notifications.pending(socket.data.userId) });
  }

  @SubscribeMessage('notification:read')
  async read(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: NotificationIdDto, @HasAck() hasAck: boolean): Promise<Ack<ClientAckData<'notification:read'>>> {
    try {
      await this.notifications.read(socket.data.userId, dto.id);
    } catch (err) {
      if (!hasAck && err instanceof AppError) socket.emit('notification:read:error', { id: dto.id, error: err.toBody() });
      throw err;
    }
    return ok({ id: dto.id });
  }

  @SubscribeMessage('notification:clear')
  async clear(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: NotificationIdDto): Promise<Ack<ClientAckData<'notification:clear'>>> {
    await this.notifications.clear(socket.data.userId, dto.id);
    return ok({ id: dto.id });
  }

  @SubscribeMessage('notification:clear-all')
  async clearAll(@ConnectedSocket() socket: UserSocket): Promise<Ack<ClientAckData<'notification:clear-all'>>> {
    return ok(await this.notifications.clearAll(socket.data.userId));
  }

  /** The user room is joined on connect; this only confirms. */
  @SubscribeMessage('subscribe:notifications')
  subscribe(): Ack<ClientAckData<'subscribe:notifications'>> {
    return ok({ subscribed: true });
  }
}
