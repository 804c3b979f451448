import { Ajv, type ErrorObject } from 'ajv';
import { type DtoClass, dtoRules, dtoSchema, type JsonSchema } from './dto-schema.js';
import { AppError, ErrorCode } from './error-codes.js';

// No type coercion (`event: 42` is an error, as with class-validator); every error reported, not
// the first. The schemas come from DTO decorators that dto-schema.ts translates keyword by
// keyword, so ajv need not compile its meta-schema to check them at every start-up.
const ajv = new Ajv({ allErrors: true, coerceTypes: false, useDefaults: false, removeAdditional: false, strict: true, validateSchema: false });

/**
 * A DTO's rules compiled to one JSON Schema function, for the paths where class-transformer and
 * class-validator cost too much (the emit routes) or do not fit (the control bus). The schema is
 * the DTO's own (`dtoSchema`), so every path accepts and refuses the same bodies; the messages
 * use class-validator's wording, so they read alike.
 */
export class DtoValidator<T> {
  private readonly check: (body: unknown) => void;
  private readonly fields: string[];

  constructor(cls: DtoClass<T>) {
    const schema = dtoSchema(cls);
    // The DTO's own message of a `@Matches` (a pattern says nothing a reader would understand).
    const patternMessages = new Map<string, string>();
    for (const rule of dtoRules(cls)) {
      if ((rule.type === 'customValidation' ? rule.name : rule.type) === 'matches' && typeof rule.message === 'string') patternMessages.set(rule.propertyName, rule.message);
    }
    this.check = schemaValidator(schema, patternMessages);
    this.fields = Object.keys(schema.properties as JsonSchema);
  }

  /** The body's DTO fields (any other key left behind, as the validation pipe strips them), or VALIDATION_FAILED. */
  parse(body: unknown): T {
    this.check(body);
    const source = body as Record<string, unknown>;
    const picked: Record<string, unknown> = {};
    for (const field of this.fields) if (source[field] !== undefined) picked[field] = source[field];
    return picked as T;
  }
}

/**
 * A compiled check of a JSON object against `schema` (a DTO's, or an envelope's with no DTO of its
 * own): VALIDATION_FAILED with one entry per field, in class-validator's wording.
 */
export function schemaValidator(schema: JsonSchema, patternMessages: ReadonlyMap<string, string> = new Map()): (body: unknown) => void {
  const validate = ajv.compile(schema);
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const describe = (e: ErrorObject): [string, string] => {
    // '/userIds/3' → field 'userIds', reported like class-validator's `each: true` rules.
    const path = e.instancePath.split('/').slice(1);
    if (e.keyword === 'required') {
      // class-validator reports a missing field as a value of the wrong type.
      const field = String((e.params as { missingProperty: string }).missingProperty);
      return [field, message({ ...e, keyword: 'type', params: { type: properties[field]?.type } }, field, false)];
    }
    const field = path[0] ?? '';
    return [field, (e.keyword === 'pattern' && patternMessages.get(field)) || message(e, field, path.length > 1)];
  };
  return (body) => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, 'Payload must be a JSON object', [{ field: '', errors: ['payload must be an object'] }]);
    }
    if (validate(body)) return;
    const byField = new Map<string, string[]>();
    for (const [field, text] of (validate.errors ?? []).map(describe)) byField.set(field, [...(byField.get(field) ?? []), text]);
    throw new AppError(ErrorCode.VALIDATION_FAILED, 'Payload failed validation', [...byField].map(([field, errors]) => ({ field, errors })));
  };
}

/** class-validator's wording for one ajv error. */
function message(e: Pick<ErrorObject, 'keyword' | 'params' | 'message'>, field: string, each: boolean): string {
  const subject = each ? `each value in ${field}` : field;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'type':
      return p.type === 'array' || p.type === 'object' || p.type === 'integer' ? `${subject} must be an ${String(p.type)}` : `${subject} must be a ${String(p.type ?? 'value')}`;
    case 'minLength':
      return `${subject} must be longer than or equal to ${String(p.limit)} characters`;
    case 'maxLength':
      return `${subject} must be shorter than or equal to ${String(p.limit)} characters`;
    case 'minItems':
      return `${subject} must contain at least ${String(p.limit)} elements`;
    case 'maxItems':
      return `${subject} must contain no more than ${String(p.limit)} elements`;
    case 'pattern':
      return `${subject} must match ${String(p.pattern)} regular expression`;
    default:
      return `${subject} ${e.message ?? 'is invalid'}`;
  }
}
