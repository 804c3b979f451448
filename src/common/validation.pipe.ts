import { type ArgumentMetadata, Injectable, ValidationPipe, type ValidationError } from '@nestjs/common';
import { AppError, ErrorCode } from './error-codes.js';
import { assertPayloadShape } from './payload-guard.js';

export interface FieldError {
  field: string;
  errors: string[];
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    if (e.constraints) out.push({ field, errors: Object.values(e.constraints) });
    if (e.children?.length) out.push(...flatten(e.children, field));
  }
  return out;
}

const PRIMITIVES = new Set<unknown>([String, Boolean, Number, Array, Object]);

/**
 * The one validation pipe of every transport (HTTP bodies, gateway payloads): bounded
 * shape first, then the DTO; failures become VALIDATION_FAILED with field details.
 */
@Injectable()
export class AppValidationPipe extends ValidationPipe {
  constructor() {
    super({
      transform: true,
      whitelist: true,
      forbidUnknownValues: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors: ValidationError[]) =>
        new AppError(ErrorCode.VALIDATION_FAILED, 'Payload failed validation', flatten(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const isDto = metadata.type === 'body' && metadata.metatype !== undefined && !PRIMITIVES.has(metadata.metatype);
    if (isDto) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new AppError(ErrorCode.VALIDATION_FAILED, 'Payload must be a JSON object', [
          { field: '', errors: ['payload must be an object'] },
        ]);
      }
      assertPayloadShape(value);
    }
    return super.transform(value, metadata);
  }
}
