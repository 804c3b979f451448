import { applyDecorators } from '@nestjs/common';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, Length, ValidateIf } from 'class-validator';
import { AppError, ErrorCode } from './error-codes.js';

/** docs/protocol.md §4: ids (users, sessions, chats, messages, idempotency keys) are 1..128 characters. */
export const MAX_ID_LENGTH = 128;
/** An event name a backend emits or allowlists: 1..128 characters, no whitespace. */
export const MAX_EVENT_NAME_LENGTH = 128;
/** A room a backend emits to: 1..256 characters. */
export const MAX_ROOM_LENGTH = 256;
/** A free-text reason (a kick's, a call's end): at most 256 characters. */
export const MAX_REASON_LENGTH = 256;
/** The user ids one backend call may name: an emit's or a notification's targets, a chat's members, a user's friends. */
export const MAX_TARGET_USERS = 10_000;

export function IsId(): PropertyDecorator {
  return applyDecorators(IsString(), Length(1, MAX_ID_LENGTH));
}

export function IsIdArray(min: number, max: number): PropertyDecorator {
  return applyDecorators(
    IsArray(),
    ArrayMinSize(min),
    ArrayMaxSize(max),
    IsString({ each: true }),
    Length(1, MAX_ID_LENGTH, { each: true }),
  );
}

/**
 * An optional field that may be absent but not `null` (class-validator's IsOptional lets
 * `null` through, which would then be relayed to other users as is).
 */
export function Optional(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}

/**
 * VALIDATION_FAILED unless exactly one of `fields` is given (not undefined): an emit's or a
 * notification's one target, a message's content, whichever path they arrive by. The details name
 * the first field, or the first of several given.
 */
export function assertExactlyOne<T extends object>(value: T, fields: readonly (keyof T & string)[]): void {
  const given = fields.filter((field) => value[field] !== undefined);
  if (given.length === 1) return;
  const list = fields.join(', ');
  throw new AppError(ErrorCode.VALIDATION_FAILED, `Exactly one of ${list} is required`, [{ field: given[0] ?? fields[0], errors: [`exactly one of ${list} must be given`] }]);
}
