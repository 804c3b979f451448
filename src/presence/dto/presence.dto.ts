import { Type } from 'class-transformer';
import { IsIn, IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsIdArray, Optional } from '../../common/validators.js';
import type { OnlinePagePayload, PresenceUpdatePayload, UserIdsPayload } from '../../socket/events.js';

export class PresenceUpdateDto implements PresenceUpdatePayload {
  @IsIn(['online', 'away', 'busy', 'offline']) status!: 'online' | 'away' | 'busy' | 'offline';
  @Optional() @IsString() @MaxLength(140) customStatus?: string;
}

export class PresenceUsersDto implements UserIdsPayload {
  @IsIdArray(1, 500) userIds!: string[];
}

export class OnlinePageDto implements OnlinePagePayload {
  @Optional() @IsString() @Matches(/^\d{1,20}$/, { message: 'cursor must be a cursor returned earlier' }) cursor?: string;
  @Optional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}
