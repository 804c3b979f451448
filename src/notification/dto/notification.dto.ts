import { Type } from 'class-transformer';
import { IsDefined, IsOptional, IsString, Length, MaxLength, ValidateNested } from 'class-validator';
import { IsJsonObject } from '../../common/json-object.js';
import { IsId, IsIdArray } from '../../common/validators.js';

export class NotificationBodyDto {
  @IsOptional() @IsId() id?: string;
  @IsString() @Length(1, 128) type!: string;
  @IsOptional() @IsString() @MaxLength(512) title?: string;
  @IsOptional() @IsString() @MaxLength(8192) body?: string;
  @IsOptional() @IsJsonObject() data?: Record<string, unknown>;
}

/** POST /internal/notifications and the `notify` event (SPEC §6): one of userId/userIds. */
export class PushNotificationDto {
  @IsOptional() @IsId() userId?: string;
  @IsOptional() @IsIdArray(1, 10000) userIds?: string[];
  @IsDefined() @ValidateNested() @Type(() => NotificationBodyDto) notification!: NotificationBodyDto;
}

export class NotificationIdDto {
  @IsId() id!: string;
}
