import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsJsonObject } from '../../common/json-object.js';
import { IsId } from '../../common/validators.js';

export class InitiateCallDto {
  @IsId() calleeId!: string;
  @IsIn(['audio', 'video']) callType!: 'audio' | 'video';
  @IsOptional() @IsJsonObject() sdp?: Record<string, unknown>;
  @IsOptional() @IsId() chatId?: string;
}

export class AnswerCallDto {
  @IsId() callId!: string;
  @IsOptional() @IsJsonObject() sdp?: Record<string, unknown>;
}

export class CallReasonDto {
  @IsId() callId!: string;
  @IsOptional() @IsString() @MaxLength(256) reason?: string;
}

export class IceCandidateDto {
  @IsId() callId!: string;
  @IsJsonObject() candidate!: Record<string, unknown>;
}
