import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/error-codes.js';
import type { ChatMessage, Reaction, Receipt, UserSocket } from '../socket/events.js';
import { Rooms } from '../socket/rooms.js';
import { SocketServerRef } from '../socket/socket-server.ref.js';
import { ChatService } from './chat.service.js';
import type { NewMessageDto, ReactionDto, ReceiptDto } from './dto/chat.dto.js';
import { InboundStream } from './inbound-stream.js';
import { TypingTracker } from './typing-tracker.js';

/** Chat traffic (SPEC §4.4): members only; fan-out through the adapter; inbound stream for backends. */
@Injectable()
export class ChatMessageService {
  constructor(
    private readonly chats: ChatService,
    private readonly sockets: SocketServerRef,
    private readonly inbound: InboundStream,
    private readonly typing: TypingTracker,
  ) {}

  private async member(socket: UserSocket, chatId: string): Promise<void> {
    if (!(await this.chats.ensureJoined(socket, chatId))) throw new AppError(ErrorCode.FORBIDDEN, 'Not a member of this chat');
  }

  async newMessage(socket: UserSocket, dto: NewMessageDto): Promise<{ messageId: string; tempId?: string; timestamp: string }> {
    if ((dto.content === undefined) === (dto.encryptedContent === undefined)) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, 'Exactly one of content, encryptedContent is required', [
        { field: 'content', errors: ['exactly one of content, encryptedContent must be given'] },
      ]);
    }
    await this.member(socket, dto.chatId);
    const message: ChatMessage = {
      messageId: randomUUID(),
      chatId: dto.chatId,
      senderId: socket.data.userId,
      ...(dto.content !== undefined ? { content: dto.content } : { encryptedContent: dto.encryptedContent }),
      messageType: dto.messageType,
      ...(dto.replyToId !== undefined ? { replyToId: dto.replyToId } : {}),
      ...(dto.metadata !== undefined ? { metadata: dto.metadata } : {}),
      ...(dto.tempId !== undefined ? { tempId: dto.tempId } : {}),
      timestamp: new Date().toISOString(),
    };
    // Every other socket in the room, the sender's other devices included.
    socket.to(Rooms.chat(dto.chatId)).emit('message:new', message);
    this.stopTyping(socket, dto.chatId);
    this.inbound.append('message:new', socket.data.userId, message);
    return { messageId: message.messageId, ...(dto.tempId !== undefined ? { tempId: dto.tempId } : {}), timestamp: message.timestamp };
  }

  async receipt(socket: UserSocket, event: 'message:delivered' | 'message:read', dto: ReceiptDto): Promise<Receipt> {
    await this.member(socket, dto.chatId);
    const receipt: Receipt = { chatId: dto.chatId, messageIds: dto.messageIds, userId: socket.data.userId, timestamp: new Date().toISOString() };
    this.sockets.io.to(Rooms.chat(dto.chatId)).emit(event, receipt);
    this.inbound.append(event, socket.data.userId, receipt);
    return receipt;
  }

  async startTyping(socket: UserSocket, chatId: string): Promise<void> {
    await this.member(socket, chatId);
    const { userId } = socket.data;
    this.toOthers(chatId, userId).emit('message:typing', { chatId, userId });
    this.typing.start(chatId, userId, () => this.toOthers(chatId, userId).emit('message:stop-typing', { chatId, userId }));
  }

  async endTyping(socket: UserSocket, chatId: string): Promise<void> {
    await this.member(socket, chatId);
    this.typing.stop(chatId, socket.data.userId);
    this.toOthers(chatId, socket.data.userId).emit('message:stop-typing', { chatId, userId: socket.data.userId });
  }

  async reaction(socket: UserSocket, event: 'reaction:new' | 'reaction:remove', dto: ReactionDto): Promise<Reaction> {
    await this.member(socket, dto.chatId);
    const reaction: Reaction = { ...dto, userId: socket.data.userId, timestamp: new Date().toISOString() };
    this.sockets.io.to(Rooms.chat(dto.chatId)).emit(event, reaction);
    this.inbound.append(event, socket.data.userId, reaction);
    return reaction;
  }

  /** Sending a message ends that user's typing state in the chat. */
  private stopTyping(socket: UserSocket, chatId: string): void {
    const { userId } = socket.data;
    if (this.typing.stop(chatId, userId)) this.toOthers(chatId, userId).emit('message:stop-typing', { chatId, userId });
  }

  /** The room without any socket of `userId` (typing is never echoed to the typist's devices). */
  private toOthers(chatId: string, userId: string) {
    return this.sockets.io.to(Rooms.chat(chatId)).except(Rooms.user(userId));
  }
}
