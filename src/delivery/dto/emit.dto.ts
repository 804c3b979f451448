import { Allow, IsString, Length, Matches } from 'class-validator';
import { DtoValidator } from '../../common/dto-validator.js';
import { assertPayloadShape } from '../../common/payload-guard.js';
import { IsId, IsIdArray, MAX_EVENT_NAME_LENGTH, MAX_ROOM_LENGTH, MAX_TARGET_USERS, Optional } from '../../common/validators.js';
import type { EmitPayload } from '../../socket/events.js';

/**
 * The emit contract (docs/protocol.md §6.1), written once: the `/internal` namespace validates
 * with it through the validation pipe, the emit routes and the control bus through `parseEmitBody`
 * (the same rules compiled to JSON Schema), and the AsyncAPI document shows its schema.
 */
export class EmitDto implements EmitPayload {
  @Optional() @IsId() userId?: string;
  @Optional() @IsIdArray(1, MAX_TARGET_USERS) userIds?: string[];
  @Optional() @IsString() @Length(1, MAX_ROOM_LENGTH) room?: string;
  @IsString() @Length(1, MAX_EVENT_NAME_LENGTH) @Matches(/^[^\s]+$/, { message: 'event must not contain whitespace' }) event!: string;
  /** Any JSON value, passed through to the clients. */
  @Allow() payload?: unknown;
  @Optional() @IsId() idempotencyKey?: string;
}

/** An emit names exactly one of these (checked by EmitService on every path). */
export const EMIT_TARGETS = ['userId', 'userIds', 'room'] as const satisfies ReadonlyArray<keyof EmitDto>;

const validator = new DtoValidator(EmitDto);

/**
 * One emit body from a path without the validation pipe → its fields, or VALIDATION_FAILED; a
 * bounded payload shape too, as the pipe checks for every body.
 */
export function parseEmitBody(body: unknown): EmitPayload {
  const emit = validator.parse(body);
  assertPayloadShape(body);
  return emit;
}
