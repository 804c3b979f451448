import { applyDecorators } from '@nestjs/common';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, Length, ValidateIf } from 'class-validator';

export const MAX_ID_LENGTH = 128;

/** docs/protocol.md §4: ids are non-empty strings of at most 128 characters. */
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
