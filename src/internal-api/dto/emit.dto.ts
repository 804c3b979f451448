import { Allow, IsOptional, IsString, Length, Matches } from 'class-validator';
import { IsId, IsIdArray } from '../../common/validators.js';

export class EmitDto {
  @IsOptional() @IsId() userId?: string;
  @IsOptional() @IsIdArray(1, 10000) userIds?: string[];
  @IsOptional() @IsString() @Length(1, 256) room?: string;
  @IsString() @Length(1, 128) @Matches(/^[^\s]+$/, { message: 'event must not contain whitespace' }) event!: string;
  /** Any JSON value, passed through to the clients. */
  @Allow() payload?: unknown;
  @IsOptional() @IsString() @Length(1, 128) idempotencyKey?: string;
}
