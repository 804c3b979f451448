import { IsString, MaxLength, MinLength } from 'class-validator';
import type { AuthRefreshPayload } from '../../socket/events.js';

export class AuthRefreshDto implements AuthRefreshPayload {
  @IsString()
  @MinLength(1)
  @MaxLength(8192)
  token!: string;
}
