import { ConnectedSocket, MessageBody, SubscribeMessage } from '@nestjs/websockets';
import { type Ack, ok } from '../common/ack.js';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { PresenceQueryService } from '../presence/presence-query.service.js';
import { actorOf } from '../session/actor.js';
import { UserEventsGateway } from '../rate-limit/user-events-gateway.decorator.js';
import type { ClientAckData, UserSocket } from '../socket/events.js';
import { ChatMessageService } from './chat-message.service.js';
import { ChatService } from './chat.service.js';
import { ChatIdDto, ChatIdsDto, NewMessageDto, ReactionDto, ReceiptDto } from './dto/chat.dto.js';

/** Chat rooms and chat traffic on `/` (docs/protocol.md §4.3, §4.4). */
@UserEventsGateway()
export class ChatGateway {
  constructor(
    private readonly chats: ChatService,
    private readonly messages: ChatMessageService,
    private readonly presence: PresenceQueryService,
  ) {}

  @SubscribeMessage('chat:join')
  async join(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: ChatIdDto): Promise<Ack<ClientAckData<'chat:join'>>> {
    if (!(await this.chats.ensureJoined(actorOf(socket), dto.chatId))) throw new AppError(ErrorCode.FORBIDDEN, 'Not a member of this chat');
    return ok({ chatId: dto.chatId });
  }

  @SubscribeMessage('chat:leave')
  async leave(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: ChatIdDto): Promise<Ack<ClientAckData<'chat:leave'>>> {
    await this.chats.leave(actorOf(socket), dto.chatId);
    return ok({ chatId: dto.chatId });
  }

  @SubscribeMessage('chat:join-multiple')
  async joinMultiple(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: ChatIdsDto): Promise<Ack<ClientAckData<'chat:join-multiple'>>> {
    const unique = [...new Set(dto.chatIds)];
    const actor = actorOf(socket);
    const allowed = await Promise.all(unique.map((c) => this.chats.ensureJoined(actor, c)));
    return ok({ joined: unique.filter((_, i) => allowed[i]), refused: unique.filter((_, i) => !allowed[i]) });
  }

  @SubscribeMessage('chat:get-active-members')
  async activeMembers(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: ChatIdDto): Promise<Ack<ClientAckData<'chat:get-active-members'>>> {
    if (!(await this.chats.canAccess(actorOf(socket), dto.chatId))) throw new AppError(ErrorCode.FORBIDDEN, 'Not a member of this chat');
    const members = await this.chats.members(dto.chatId);
    const { users } = await this.presence.describe(members);
    return ok({ members: users.filter((u) => u.status !== 'offline').map(({ userId, status }) => ({ userId, status })) });
  }

  @SubscribeMessage('message:new')
  async newMessage(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: NewMessageDto): Promise<Ack<ClientAckData<'message:new'>>> {
    return ok(await this.messages.newMessage(actorOf(socket), dto));
  }

  @SubscribeMessage('message:delivered')
  async delivered(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: ReceiptDto): Promise<Ack<ClientAckData<'message:delivered'>>> {
    return ok(await this.messages.receipt(actorOf(socket), 'message:delivered', dto));
  }

  @SubscribeMessage('message:read')
  async read(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: ReceiptDto): Promise<Ack<ClientAckData<'message:read'>>> {
    return ok(await this.messages.receipt(actorOf(socket), 'message:read', dto));
  }

  @SubscribeMessage('message:typing')
  async typing(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: ChatIdDto): Promise<Ack<ClientAckData<'message:typing'>>> {
    await this.messages.startTyping(actorOf(socket), dto.chatId);
    return ok();
  }

  @SubscribeMessage('message:stop-typing')
  async stopTyping(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: ChatIdDto): Promise<Ack<ClientAckData<'message:stop-typing'>>> {
    await this.messages.endTyping(actorOf(socket), dto.chatId);
    return ok();
  }

  @SubscribeMessage('reaction:new')
  async reactionNew(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: ReactionDto): Promise<Ack<ClientAckData<'reaction:new'>>> {
    return ok(await this.messages.reaction(actorOf(socket), 'reaction:new', dto));
  }

  @SubscribeMessage('reaction:remove')
  async reactionRemove(@ConnectedSocket() socket: UserSocket, @MessageBody() dto: ReactionDto): Promise<Ack<ClientAckData<'reaction:remove'>>> {
    return ok(await this.messages.reaction(actorOf(socket), 'reaction:remove', dto));
  }
}
