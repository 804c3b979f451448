import { Type } from 'class-transformer';
import { IsDefined, IsString, Length, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { IsJsonObject } from '../../common/json-object.js';
import { IsId, IsIdArray } from '../../common/validators.js';

/**
 * Optional, but when present it must be valid: unlike @IsOptional, `null` is checked (and
 * refused), so it can neither reach the stored notification nor stand in for a target.
 */
const OptionalNotNull = (): PropertyDecorator => ValidateIf((_o: object, value: unknown) => value !== undefined);

export class NotificationBodyDto {
  @OptionalNotNull() @IsId() id?: string;
  @IsString() @Length(1, 128) type!: string;
  @OptionalNotNull() @IsString() @MaxLength(512) title?: string;
  @OptionalNotNull() @IsString() @MaxLength(8192) body?: string;
  @OptionalNotNull() @IsJsonObject() data?: Record<string, unknown>;
}

/** POST /internal/notifications and the `notify` event (SPEC §6): one of userId/userIds. */
export class PushNotificationDto {
  @OptionalNotNull() @IsId() userId?: string;
  @OptionalNotNull() @IsIdArray(1, 10000) userIds?: string[];
  @IsDefined() @ValidateNested() @Type(() => NotificationBodyDto) notification!: NotificationBodyDto;
}

export class NotificationIdDto {
  @IsId() id!: string;
}
