import { ConnectedSocket, MessageBody, SubscribeMessage } from '@nestjs/websockets';
import { type Ack, ok } from '../common/ack.js';
import { actorOf } from '../session/actor.js';
import { UserEventsGateway } from '../rate-limit/user-events-gateway.decorator.js';
import type { ClientAckData, UserSocket } from '../socket/events.js';
import { CallService } from './call.service.js';
import { AnswerCallDto, CallReasonDto, IceCandidateDto, InitiateCallDto } from './dto/call.dto.js';

/** Call signalling events of `/` (docs/protocol.md §4.5). */
@UserEventsGateway()
export class CallGateway {
  constructor(
    private readonly calls: CallService,
  ) {}

  @SubscribeMessage('call:initiate')
  async initiate(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: InitiateCallDto): Promise<Ack<ClientAckData<'call:initiate'>>> {
    return ok(await this.calls.initiate(actorOf(socket), dto));
  }

  @SubscribeMessage('call:answer')
  async answer(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: AnswerCallDto): Promise<Ack<ClientAckData<'call:answer'>>> {
    return ok(await this.calls.answer(actorOf(socket), dto));
  }

  @SubscribeMessage('call:reject')
  async reject(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: CallReasonDto): Promise<Ack<ClientAckData<'call:reject'>>> {
    return ok(await this.calls.reject(actorOf(socket), dto));
  }

  @SubscribeMessage('call:end')
  async end(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: CallReasonDto): Promise<Ack<ClientAckData<'call:end'>>> {
    return ok(await this.calls.end(actorOf(socket), dto));
  }

  @SubscribeMessage('call:ice-candidate')
  async ice(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: IceCandidateDto): Promise<Ack<ClientAckData<'call:ice-candidate'>>> {
    return ok(await this.calls.iceCandidate(actorOf(socket), dto));
  }
}
