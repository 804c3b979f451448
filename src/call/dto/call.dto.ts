import { IsIn, IsString, MaxLength } from 'class-validator';
import { IsJsonObject } from '../../common/json-object.js';
import { IsId, MAX_REASON_LENGTH, Optional } from '../../common/validators.js';
import type { AnswerCallPayload, CallReasonPayload, IceCandidatePayload, InitiateCallPayload } from '../../socket/events.js';

export class InitiateCallDto implements InitiateCallPayload {
  @IsId() calleeId!: string;
  @IsIn(['audio', 'video']) callType!: 'audio' | 'video';
  @Optional() @IsJsonObject() sdp?: Record<string, unknown>;
  @Optional() @IsId() chatId?: string;
}

export class AnswerCallDto implements AnswerCallPayload {
  @IsId() callId!: string;
  @Optional() @IsJsonObject() sdp?: Record<string, unknown>;
}

export class CallReasonDto implements CallReasonPayload {
  @IsId() callId!: string;
  @Optional() @IsString() @MaxLength(MAX_REASON_LENGTH) reason?: string;
}

export class IceCandidateDto implements IceCandidatePayload {
  @IsId() callId!: string;
  @IsJsonObject() candidate!: Record<string, unknown>;
}
