import { getMetadataStorage } from 'class-validator';

export type JsonSchema = { [keyword: string]: unknown };

declare const described: unique symbol;

/** A schema of values of type T (a phantom parameter, invariant in T: it must describe T exactly). */
export type TypedSchema<T> = JsonSchema & { readonly [described]?: (value: T) => T };

/** One class-validator rule as its metadata storage keeps it. */
export interface DtoRule {
  type: string;
  name?: string;
  propertyName: string;
  constraints?: unknown[];
  each?: boolean;
  message?: unknown;
}

export type DtoClass<T> = new () => T;

/** The class-validator rules of a DTO class (its parents' included). */
export function dtoRules(cls: DtoClass<unknown>): DtoRule[] {
  return getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false) as DtoRule[];
}

/**
 * The JSON Schema of a DTO class, read from its class-validator decorators: what the validation
 * pipe enforces is what the AsyncAPI document says and what the compiled validators of the hot
 * paths check (common/dto-validator.ts). A decorator this does not know throws (so a new kind of
 * rule cannot silently drop out of the contract).
 */
export function dtoSchema<T>(cls: DtoClass<T>): TypedSchema<T> {
  const rules = dtoRules(cls);
  const byProperty = new Map<string, DtoRule[]>();
  for (const rule of rules) {
    const list = byProperty.get(rule.propertyName) ?? [];
    list.push(rule);
    byProperty.set(rule.propertyName, list);
  }
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [property, list] of byProperty) {
    const { schema, optional } = propertySchema(cls, property, list);
    properties[property] = schema;
    if (!optional) required.push(property);
  }
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
}

function propertySchema(cls: DtoClass<unknown>, property: string, rules: DtoRule[]): { schema: JsonSchema; optional: boolean } {
  const value: JsonSchema = {};
  const items: JsonSchema = {};
  let optional = false;
  for (const rule of rules) {
    const target = rule.each ? items : value;
    const c = rule.constraints ?? [];
    switch (rule.type === 'customValidation' ? rule.name : rule.type) {
      case 'conditionalValidation': // Optional(): absent is fine, null is not
        optional = true;
        break;
      case 'whitelistValidation': // Allow(): any JSON value
        optional = true;
        break;
      case 'isDefined':
        break;
      case 'nestedValidation': {
        const nested = Reflect.getMetadata('design:type', cls.prototype as object, property) as DtoClass<unknown> | undefined;
        if (!nested) throw new Error(`${cls.name}.${property}: nested DTO without a type`);
        Object.assign(value, dtoSchema(nested));
        break;
      }
      case 'isString':
        target.type = 'string';
        break;
      case 'isBoolean':
        target.type = 'boolean';
        break;
      case 'isInt':
        target.type = 'integer';
        break;
      case 'isArray':
        value.type = 'array';
        break;
      case 'isJsonObject':
        target.type = 'object';
        break;
      case 'isLength':
        target.minLength = c[0];
        if (c[1] !== undefined) target.maxLength = c[1];
        break;
      case 'minLength':
        target.minLength = c[0];
        break;
      case 'maxLength':
        target.maxLength = c[0];
        break;
      case 'arrayMinSize':
        value.minItems = c[0];
        break;
      case 'arrayMaxSize':
        value.maxItems = c[0];
        break;
      case 'min':
        target.minimum = c[0];
        break;
      case 'max':
        target.maximum = c[0];
        break;
      case 'isIn':
        target.enum = [...(c[0] as unknown[])];
        break;
      case 'matches':
        target.pattern = (c[0] as RegExp | string) instanceof RegExp ? (c[0] as RegExp).source : String(c[0]);
        break;
      default:
        throw new Error(`${cls.name}.${property}: no JSON Schema for the validation rule ${rule.name ?? rule.type}`);
    }
  }
  if (Object.keys(items).length > 0) value.items = items;
  return { schema: value, optional };
}
