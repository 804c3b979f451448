import { UseFilters, UseInterceptors, UsePipes } from '@nestjs/common';
import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { type Ack, ok } from '../common/ack.js';
import { AppValidationPipe } from '../common/validation.pipe.js';
import { WsAckExceptionFilter } from '../common/ws-ack-exception.filter.js';
import { WsMetricsInterceptor } from '../common/ws-metrics.interceptor.js';
import { UserRateLimitInterceptor } from '../rate-limit/user-rate-limit.interceptor.js';
import { ClientEventsRegistry } from '../socket/client-events.registry.js';
import type { UserSocket } from '../socket/events.js';
import { DirectMessageService, type SendReport } from './direct-message.service.js';
import { SendMessageDto } from './dto/send-message.dto.js';

/** `send_message` between users on `/` (SPEC §4.1). */
@WebSocketGateway()
@UsePipes(AppValidationPipe)
@UseFilters(WsAckExceptionFilter)
@UseInterceptors(WsMetricsInterceptor, UserRateLimitInterceptor)
export class DirectMessageGateway {
  constructor(
    private readonly messages: DirectMessageService,
    events: ClientEventsRegistry,
  ) {
    events.registerGateway(this);
  }

  @SubscribeMessage('send_message')
  async send(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: SendMessageDto): Promise<Ack<SendReport>> {
    return ok(await this.messages.fromUser(socket.data.userId, dto));
  }
}
