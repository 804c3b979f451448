import { IsBoolean, IsString, Length } from 'class-validator';
import { IsId, Optional } from '../../common/validators.js';

export class KickDto {
  @IsId() userId!: string;
  @Optional() @IsString() @Length(1, 256) reason?: string;
  @Optional() @IsBoolean() invalidateSession?: boolean;
}
