import { IsBoolean, IsString, Length } from 'class-validator';
import { IsId, Optional } from '../../common/validators.js';
import type { KickPayload } from '../../socket/events.js';

export class KickDto implements KickPayload {
  @IsId() userId!: string;
  @Optional() @IsString() @Length(1, 256) reason?: string;
  @Optional() @IsBoolean() invalidateSession?: boolean;
}
