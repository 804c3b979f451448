import { IsBoolean, IsOptional, IsString, Length } from 'class-validator';
import { IsId } from '../../common/validators.js';

export class KickDto {
  @IsId() userId!: string;
  @IsOptional() @IsString() @Length(1, 256) reason?: string;
  @IsOptional() @IsBoolean() invalidateSession?: boolean;
}
