import { ConnectedSocket, MessageBody, SubscribeMessage } from '@nestjs/websockets';
import { type Ack, ok } from '../common/ack.js';
import { UserEventsGateway } from '../rate-limit/user-events-gateway.decorator.js';
import type { ClientAckData, UserSocket } from '../socket/events.js';
import { DirectMessageService } from './direct-message.service.js';
import { SendMessageDto } from './dto/send-message.dto.js';

/** `send_message` between users on `/` (docs/protocol.md §4.1). */
@UserEventsGateway()
export class DirectMessageGateway {
  constructor(
    private readonly messages: DirectMessageService,
  ) {}

  @SubscribeMessage('send_message')
  async send(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: SendMessageDto): Promise<Ack<ClientAckData<'send_message'>>> {
    return ok(await this.messages.fromUser(socket.data.userId, dto));
  }
}
