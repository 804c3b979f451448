/**
 * JSON Schemas that carry the TypeScript type they describe (a phantom parameter), so the
 * compiler checks a hand-written schema against the event map's interfaces: `shape<T>()`
 * demands exactly T's keys, optional ones wrapped in `opt()`, and each property's schema must
 * describe that property's type.
 */

import type { JsonSchema, TypedSchema } from '../common/dto-schema.js';

export type { JsonSchema, TypedSchema };

declare const optional: unique symbol;
/** A property schema marked optional (its key is left out of `required`). */
export type Opt<T> = { readonly [optional]: true; schema: TypedSchema<T> };

type PropertySchemas<T> = {
  [K in keyof T]-?: undefined extends T[K] ? Opt<Exclude<T[K], undefined>> : TypedSchema<T[K]>;
};

function typed<T>(schema: JsonSchema): TypedSchema<T> {
  return schema;
}

export const str = typed<string>({ type: 'string' });
export const int = typed<number>({ type: 'integer' });
export const bool = typed<boolean>({ type: 'boolean' });
/** Date-time as ISO 8601 text. */
export const isoTime = typed<string>({ type: 'string', format: 'date-time' });
/** Any JSON value. */
export const anyJson = typed<unknown>({});
/** A JSON object (not an array, not null). */
export const jsonObject = typed<Record<string, unknown>>({ type: 'object' });
/** Nothing (an ack without data). */
export const none = typed<void>({ not: {} });

export function literal<const V extends string | boolean>(value: V): TypedSchema<V> {
  return typed<V>({ const: value });
}

export function enumOf<const V extends string>(values: readonly V[]): TypedSchema<V> {
  return typed<V>({ type: 'string', enum: [...values] });
}

export function nullable<T>(schema: TypedSchema<T>): TypedSchema<T | null> {
  return typed<T | null>({ oneOf: [schema, { type: 'null' }] });
}

export function arrayOf<T>(items: TypedSchema<T>): TypedSchema<T[]> {
  return typed<T[]>({ type: 'array', items });
}

export function recordOf<T>(values: TypedSchema<T>): TypedSchema<Record<string, T>> {
  return typed<Record<string, T>>({ type: 'object', additionalProperties: values });
}

export function oneOf<A, B>(a: TypedSchema<A>, b: TypedSchema<B>): TypedSchema<A | B> {
  return typed<A | B>({ oneOf: [a, b] });
}

export function opt<T>(schema: TypedSchema<T>): Opt<T> {
  return { schema } as Opt<T>;
}

function isOpt(value: unknown): value is Opt<unknown> {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 1 && 'schema' in value;
}

/** `shape<T>()({ ... })`: an object schema with exactly T's properties. */
export function shape<T>(): (properties: PropertySchemas<T>) => TypedSchema<T> {
  return (properties) => {
    const props: Record<string, unknown> = {};
    const required: string[] = [];
    for (const [key, value] of Object.entries(properties as Record<string, unknown>)) {
      if (isOpt(value)) props[key] = value.schema;
      else {
        props[key] = value;
        required.push(key);
      }
    }
    return typed<T>({ type: 'object', properties: props, ...(required.length > 0 ? { required } : {}) });
  };
}

/** Extra keywords (description, bounds) on a schema, keeping its type. */
export function describe<T>(schema: TypedSchema<T>, keywords: JsonSchema): TypedSchema<T> {
  return typed<T>({ ...schema, ...keywords });
}

/** Schemas that appear under a name in `components.schemas` and are referenced by `$ref`. */
export class SchemaRegistry {
  private readonly schemas = new Map<string, JsonSchema>();

  named<T>(name: string, schema: TypedSchema<T>): TypedSchema<T> {
    if (this.schemas.has(name)) throw new Error(`Schema ${name} is registered twice`);
    this.schemas.set(name, schema);
    return typed<T>({ $ref: `#/components/schemas/${name}` });
  }

  all(): Record<string, JsonSchema> {
    return Object.fromEntries([...this.schemas].sort(([a], [b]) => a.localeCompare(b)));
  }
}
