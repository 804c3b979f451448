import { IsIn, IsString, Length, MaxLength } from 'class-validator';
import { IsJsonObject } from '../../common/json-object.js';
import { IsId, IsIdArray, MAX_TARGET_USERS, Optional } from '../../common/validators.js';
import type { ChatIdPayload, ChatIdsPayload, NewMessagePayload, ReactionPayload, ReceiptPayload } from '../../socket/events.js';

export const MESSAGE_TYPES = ['text', 'image', 'video', 'audio', 'file', 'voice'] as const;
export const MAX_CONTENT_LENGTH = 64 * 1024;

export class ChatIdDto implements ChatIdPayload {
  @IsId() chatId!: string;
}

export class ChatIdsDto implements ChatIdsPayload {
  @IsIdArray(1, 100) chatIds!: string[];
}

export class UserIdsDto {
  @IsIdArray(0, MAX_TARGET_USERS) userIds!: string[];
}

export class FriendIdsDto {
  @IsIdArray(0, MAX_TARGET_USERS) friendIds!: string[];
}

export class NewMessageDto implements NewMessagePayload {
  @IsId() chatId!: string;
  @Optional() @IsString() @MaxLength(MAX_CONTENT_LENGTH) content?: string;
  @Optional() @IsString() @MaxLength(MAX_CONTENT_LENGTH) encryptedContent?: string;
  @IsIn(MESSAGE_TYPES) messageType!: (typeof MESSAGE_TYPES)[number];
  @Optional() @IsId() replyToId?: string;
  @Optional() @IsJsonObject() metadata?: Record<string, unknown>;
  @Optional() @IsString() @Length(1, 128) tempId?: string;
}

export class ReceiptDto implements ReceiptPayload {
  @IsId() chatId!: string;
  @IsIdArray(1, 500) messageIds!: string[];
}

export class ReactionDto implements ReactionPayload {
  @IsId() chatId!: string;
  @IsId() messageId!: string;
  @IsString() @Length(1, 32) reaction!: string;
}
