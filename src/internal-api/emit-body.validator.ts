import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { AppError, ErrorCode } from '../common/error-codes.js';
import { assertPayloadShape } from '../common/payload-guard.js';
import type { FieldError } from '../common/validation.pipe.js';
import { MAX_ID_LENGTH } from '../common/validators.js';
import type { EmitCommand } from '../delivery/emit.service.js';

export const MAX_BATCH_ITEMS = 500;

const id = { type: 'string', minLength: 1, maxLength: MAX_ID_LENGTH };

/**
 * EmitDto's rules as JSON schema (the hot routes validate with this compiled function instead of
 * class-validator): optional fields may be absent but not null; exactly one target is checked by
 * EmitService, like on every other path.
 */
const EMIT_SCHEMA = {
  type: 'object',
  properties: {
    userId: id,
    userIds: { type: 'array', minItems: 1, maxItems: 10000, items: id },
    room: { type: 'string', minLength: 1, maxLength: 256 },
    event: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[^\\s]+$' },
    payload: {},
    idempotencyKey: { type: 'string', minLength: 1, maxLength: 128 },
  },
  required: ['event'],
} as const;

const BATCH_SCHEMA = {
  type: 'object',
  properties: { items: { type: 'array', minItems: 1, maxItems: MAX_BATCH_ITEMS } },
  required: ['items'],
} as const;

// No type coercion (`event: 42` is an error, as with the DTO); every error reported, not the
// first. The two schemas are constants pinned by the e2e tests, so ajv need not compile its
// meta-schema to check them at every start-up.
const ajv = new Ajv({ allErrors: true, coerceTypes: false, useDefaults: false, removeAdditional: false, strict: true, validateSchema: false });
const validateEmit = ajv.compile(EMIT_SCHEMA);
const validateBatch = ajv.compile(BATCH_SCHEMA);

/** class-validator's wording, so both validation paths read alike. */
function message(e: ErrorObject, field: string, each: boolean): string {
  const subject = each ? `each value in ${field}` : field;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'type':
      return p.type === 'array' ? `${subject} must be an array` : p.type === 'object' ? `${subject} must be an object` : `${subject} must be a ${String(p.type)}`;
    case 'required':
      return `${subject} must be a string`;
    case 'minLength':
      return `${subject} must be longer than or equal to ${String(p.limit)} characters`;
    case 'maxLength':
      return `${subject} must be shorter than or equal to ${String(p.limit)} characters`;
    case 'minItems':
      return `${subject} must contain at least ${String(p.limit)} elements`;
    case 'maxItems':
      return `${subject} must contain no more than ${String(p.limit)} elements`;
    case 'pattern':
      return `${subject} must not contain whitespace`;
    default:
      return `${subject} ${e.message ?? 'is invalid'}`;
  }
}

function fieldErrors(errors: ErrorObject[]): FieldError[] {
  const byField = new Map<string, string[]>();
  for (const e of errors) {
    // '/userIds/3' → field 'userIds', reported like class-validator's `each: true` rules.
    const path = e.instancePath.split('/').slice(1);
    const field = e.keyword === 'required' ? String((e.params as { missingProperty: string }).missingProperty) : (path[0] ?? '');
    const list = byField.get(field) ?? [];
    list.push(message(e, field, path.length > 1));
    byField.set(field, list);
  }
  return [...byField].map(([field, list]) => ({ field, errors: list }));
}

function check(validate: ValidateFunction, body: unknown): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError(ErrorCode.VALIDATION_FAILED, 'Payload must be a JSON object', [{ field: '', errors: ['payload must be an object'] }]);
  }
  if (!validate(body)) throw new AppError(ErrorCode.VALIDATION_FAILED, 'Payload failed validation', fieldErrors(validate.errors ?? []));
}

/**
 * One emit body (of POST /internal/emit or a batch item) → the command, or VALIDATION_FAILED.
 * Bounded shape first, as the validation pipe does for every DTO body.
 */
export function toEmitCommand(body: unknown): EmitCommand {
  check(validateEmit, body);
  assertPayloadShape(body);
  const b = body as EmitCommand;
  // Only the known fields go on (the DTO path strips the others too).
  return { userId: b.userId, userIds: b.userIds, room: b.room, event: b.event, payload: b.payload, idempotencyKey: b.idempotencyKey };
}

/** The batch envelope `{ items: [1..500] }`; its items are validated one by one by the caller. */
export function batchItems(body: unknown): unknown[] {
  check(validateBatch, body);
  return (body as { items: unknown[] }).items;
}
