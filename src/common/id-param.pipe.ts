import { Injectable, type PipeTransform } from '@nestjs/common';
import { AppError, ErrorCode } from './error-codes.js';
import { MAX_ID_LENGTH } from './validators.js';

/** Route parameters that are ids: non-empty, at most 128 characters. */
@Injectable()
export class IdParamPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, 'Invalid id in the path', [{ field: 'path', errors: [`ids are 1-${MAX_ID_LENGTH} characters`] }]);
    }
    return value;
  }
}
