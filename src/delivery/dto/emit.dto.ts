import { Allow, IsString, Length, Matches } from 'class-validator';
import { IsId, IsIdArray, Optional } from '../../common/validators.js';
import type { EmitPayload } from '../../socket/events.js';

export class EmitDto implements EmitPayload {
  @Optional() @IsId() userId?: string;
  @Optional() @IsIdArray(1, 10000) userIds?: string[];
  @Optional() @IsString() @Length(1, 256) room?: string;
  @IsString() @Length(1, 128) @Matches(/^[^\s]+$/, { message: 'event must not contain whitespace' }) event!: string;
  /** Any JSON value, passed through to the clients. */
  @Allow() payload?: unknown;
  @Optional() @IsString() @Length(1, 128) idempotencyKey?: string;
}
