import { IsBoolean, IsString, Length } from 'class-validator';
import { IsId, MAX_REASON_LENGTH, Optional } from '../../common/validators.js';
import type { KickPayload } from '../../socket/events.js';

/** The `auth:logout` reason of a kick that gives none, whichever transport asked. */
export const DEFAULT_KICK_REASON = 'kicked';

export class KickDto implements KickPayload {
  @IsId() userId!: string;
  @Optional() @IsString() @Length(1, MAX_REASON_LENGTH) reason?: string;
  @Optional() @IsBoolean() invalidateSession?: boolean;
}
