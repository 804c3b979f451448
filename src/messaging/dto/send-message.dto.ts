import { IsString, Length, MaxLength } from 'class-validator';
import { IsJsonObject } from '../../common/json-object.js';
import { IsIdArray, MAX_EVENT_NAME_LENGTH, Optional } from '../../common/validators.js';
import type { SendMessagePayload, ServiceSendMessagePayload } from '../../socket/events.js';

export const MAX_MESSAGE_LENGTH = 64 * 1024;

/** `send_message` from a user (docs/protocol.md §4.1). */
export class SendMessageDto implements SendMessagePayload {
  @IsIdArray(1, 100) recipientIds!: string[];
  @IsString() @MaxLength(MAX_MESSAGE_LENGTH) message!: string;
  @Optional() @IsJsonObject() metadata?: Record<string, unknown>;
}

/** `send_message` from a service (docs/protocol.md §6.2): the user form plus the event name. */
export class ServiceSendMessageDto extends SendMessageDto implements ServiceSendMessagePayload {
  @Optional() @IsString() @Length(1, MAX_EVENT_NAME_LENGTH) event?: string;
}
