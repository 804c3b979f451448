import { Type } from 'class-transformer';
import { IsDefined, IsString, Length, MaxLength, ValidateNested } from 'class-validator';
import { IsJsonObject } from '../../common/json-object.js';
import { IsId, IsIdArray, MAX_TARGET_USERS, Optional } from '../../common/validators.js';
import type { NotificationBody, NotificationIdPayload, PushNotificationPayload } from '../../socket/events.js';

export class NotificationBodyDto implements NotificationBody {
  @Optional() @IsId() id?: string;
  @IsString() @Length(1, 128) type!: string;
  @Optional() @IsString() @MaxLength(512) title?: string;
  @Optional() @IsString() @MaxLength(8192) body?: string;
  @Optional() @IsJsonObject() data?: Record<string, unknown>;
}

/** POST /internal/notifications and the `notify` event (docs/protocol.md §6): one of userId/userIds. */
export class PushNotificationDto implements PushNotificationPayload {
  @Optional() @IsId() userId?: string;
  @Optional() @IsIdArray(1, MAX_TARGET_USERS) userIds?: string[];
  @IsDefined() @ValidateNested() @Type(() => NotificationBodyDto) notification!: NotificationBodyDto;
}

export class NotificationIdDto implements NotificationIdPayload {
  @IsId() id!: string;
}
