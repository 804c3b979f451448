import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { assertExactlyOne } from '../common/validators.js';
import { DeliveryService } from '../delivery/delivery.service.js';
import type { Actor } from '../session/actor.js';
import type { ChatMessage, Reaction, Receipt } from '../socket/events.js';
import { Rooms } from '../socket/rooms.js';
import { ChatService } from './chat.service.js';
import type { NewMessageDto, ReactionDto, ReceiptDto } from './dto/chat.dto.js';
import { InboundStream } from './inbound-stream.js';
import { TypingTracker } from './typing-tracker.js';

/** Chat traffic (docs/protocol.md §4.4): members only; fan-out through the adapter; inbound stream for backends. */
@Injectable()
export class ChatMessageService {
  constructor(
    private readonly chats: ChatService,
    private readonly delivery: DeliveryService,
    private readonly inbound: InboundStream,
    private readonly typing: TypingTracker,
  ) {}

  private async member(actor: Actor, chatId: string): Promise<void> {
    if (!(await this.chats.ensureJoined(actor, chatId))) throw new AppError(ErrorCode.FORBIDDEN, 'Not a member of this chat');
  }

  async newMessage(actor: Actor, dto: NewMessageDto): Promise<{ messageId: string; tempId?: string; timestamp: string }> {
    assertExactlyOne(dto, ['content', 'encryptedContent']);
    await this.member(actor, dto.chatId);
    const message: ChatMessage = {
      messageId: randomUUID(),
      chatId: dto.chatId,
      senderId: actor.userId,
      ...(dto.content !== undefined ? { content: dto.content } : { encryptedContent: dto.encryptedContent }),
      messageType: dto.messageType,
      ...(dto.replyToId !== undefined ? { replyToId: dto.replyToId } : {}),
      ...(dto.metadata !== undefined ? { metadata: dto.metadata } : {}),
      ...(dto.tempId !== undefined ? { tempId: dto.tempId } : {}),
      timestamp: new Date().toISOString(),
    };
    // Every other socket in the room, the sender's other devices included.
    this.delivery.toRooms([Rooms.chat(dto.chatId)], [actor.socketId], 'message:new', message);
    this.stopTyping(actor, dto.chatId);
    this.inbound.append('message:new', actor.userId, message);
    return { messageId: message.messageId, ...(dto.tempId !== undefined ? { tempId: dto.tempId } : {}), timestamp: message.timestamp };
  }

  async receipt(actor: Actor, event: 'message:delivered' | 'message:read', dto: ReceiptDto): Promise<Receipt> {
    await this.member(actor, dto.chatId);
    const receipt: Receipt = { chatId: dto.chatId, messageIds: dto.messageIds, userId: actor.userId, timestamp: new Date().toISOString() };
    this.delivery.toRoom(Rooms.chat(dto.chatId), event, receipt);
    this.inbound.append(event, actor.userId, receipt);
    return receipt;
  }

  async startTyping(actor: Actor, chatId: string): Promise<void> {
    await this.member(actor, chatId);
    const { userId } = actor;
    this.toOthers(chatId, userId, 'message:typing');
    this.typing.start(chatId, userId, () => this.toOthers(chatId, userId, 'message:stop-typing'));
  }

  async endTyping(actor: Actor, chatId: string): Promise<void> {
    await this.member(actor, chatId);
    this.typing.stop(chatId, actor.userId);
    this.toOthers(chatId, actor.userId, 'message:stop-typing');
  }

  async reaction(actor: Actor, event: 'reaction:new' | 'reaction:remove', dto: ReactionDto): Promise<Reaction> {
    await this.member(actor, dto.chatId);
    const reaction: Reaction = { ...dto, userId: actor.userId, timestamp: new Date().toISOString() };
    this.delivery.toRoom(Rooms.chat(dto.chatId), event, reaction);
    this.inbound.append(event, actor.userId, reaction);
    return reaction;
  }

  /** Sending a message ends that user's typing state in the chat. */
  private stopTyping(actor: Actor, chatId: string): void {
    const { userId } = actor;
    if (this.typing.stop(chatId, userId)) this.toOthers(chatId, userId, 'message:stop-typing');
  }

  /** The room without any socket of `userId` (typing is never echoed to the typist's devices). */
  private toOthers(chatId: string, userId: string, event: 'message:typing' | 'message:stop-typing'): void {
    this.delivery.toRooms([Rooms.chat(chatId)], [Rooms.user(userId)], event, { chatId, userId });
  }
}
