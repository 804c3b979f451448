import { ConnectedSocket, SubscribeMessage } from '@nestjs/websockets';
import { type Ack, ok } from '../common/ack.js';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { UserEventsGateway } from '../rate-limit/user-events-gateway.decorator.js';
import type { ClientAckData, UserSocket } from '../socket/events.js';
import { StatusService } from './status.service.js';
import { Rooms } from '../socket/rooms.js';

/** Status page events of `/` (docs/protocol.md §4.7). */
@UserEventsGateway()
export class StatusGateway {
  constructor(
    private readonly status: StatusService,
  ) {}

  @SubscribeMessage('subscribe:status')
  async subscribe(@ConnectedSocket() socket: UserSocket): Promise<Ack<ClientAckData<'subscribe:status'>>> {
    await socket.join(Rooms.status);
    socket.emit('status:current', await this.status.current());
    return ok({ subscribed: true });
  }

  @SubscribeMessage('unsubscribe:status')
  async unsubscribe(@ConnectedSocket() socket: UserSocket): Promise<Ack<ClientAckData<'unsubscribe:status'>>> {
    await socket.leave(Rooms.status);
    return ok({ subscribed: false });
  }

  @SubscribeMessage('admin:refresh-status')
  async refresh(@ConnectedSocket() socket: UserSocket): Promise<Ack<ClientAckData<'admin:refresh-status'>>> {
    if (!socket.data.roles.includes('admin')) throw new AppError(ErrorCode.FORBIDDEN, 'Unauthorized');
    return ok(await this.status.requestRefresh(socket.data.userId));
  }
}
