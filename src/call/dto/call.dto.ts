import { IsIn, IsString, MaxLength } from 'class-validator';
import { IsJsonObject } from '../../common/json-object.js';
import { IsId, Optional } from '../../common/validators.js';

export class InitiateCallDto {
  @IsId() calleeId!: string;
  @IsIn(['audio', 'video']) callType!: 'audio' | 'video';
  @Optional() @IsJsonObject() sdp?: Record<string, unknown>;
  @Optional() @IsId() chatId?: string;
}

export class AnswerCallDto {
  @IsId() callId!: string;
  @Optional() @IsJsonObject() sdp?: Record<string, unknown>;
}

export class CallReasonDto {
  @IsId() callId!: string;
  @Optional() @IsString() @MaxLength(256) reason?: string;
}

export class IceCandidateDto {
  @IsId() callId!: string;
  @IsJsonObject() candidate!: Record<string, unknown>;
}
