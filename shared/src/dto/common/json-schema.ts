import { getMetadataStorage, ValidationTypes } from 'class-validator';

/**
 * JSON Schema (OpenAPI 3 flavour) of a class-validator DTO, read from its decorator metadata, so the shared
 * DTOs stay free of swagger decorators (style R1) while /api/docs-json still describes them.
 * Our validators carry `constraints: [{schema}]`; common stock class-validator decorators are mapped too.
 */
export interface JsonSchema {
  type?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  enum?: unknown[];
  nullable?: boolean;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  description?: string;
}

type Meta = { type: string; name?: string; propertyName: string; constraints?: unknown[]; context?: { omittable?: boolean } };

const STOCK: Record<string, (c: unknown[]) => JsonSchema> = {
  isString: () => ({ type: 'string' }),
  isInt: () => ({ type: 'integer' }),
  isNumber: () => ({ type: 'number' }),
  isBoolean: () => ({ type: 'boolean' }),
  isEmail: () => ({ type: 'string', format: 'email' }),
  isUUID: () => ({ type: 'string', format: 'uuid' }),
  isArray: () => ({ type: 'array' }),
  isObject: () => ({ type: 'object' }),
  min: (c) => ({ minimum: c[0] as number }),
  max: (c) => ({ maximum: c[0] as number }),
  minLength: (c) => ({ minLength: c[0] as number }),
  maxLength: (c) => ({ maxLength: c[0] as number }),
  isLength: (c) => ({ minLength: c[0] as number, maxLength: c[1] as number }),
  isIn: (c) => ({ enum: c[0] as unknown[] }),
  matches: (c) => ({ pattern: String((c[0] as RegExp).source ?? c[0]) }),
};

export function dtoJsonSchema(cls: new (...args: never[]) => unknown): JsonSchema {
  const metas = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false) as unknown as Meta[];
  const props: Record<string, JsonSchema> = {};
  const optional = new Set<string>();
  const nullable = new Set<string>();
  for (const m of metas) {
    if (m.propertyName.startsWith('__')) continue; // hidden marker properties (EmptyBodyDto)
    const schema = (props[m.propertyName] ??= {});
    if (m.type === ValidationTypes.CONDITIONAL_VALIDATION) {
      if (m.name === 'isOptional' || m.context?.omittable) optional.add(m.propertyName);
      else (optional.add(m.propertyName), nullable.add(m.propertyName));
      continue;
    }
    const fragment = (m.constraints?.[0] as { schema?: JsonSchema } | undefined)?.schema;
    if (fragment && typeof fragment === 'object') Object.assign(schema, fragment);
    else if (m.name && STOCK[m.name]) Object.assign(schema, STOCK[m.name](m.constraints ?? []));
    else if (STOCK[m.type]) Object.assign(schema, STOCK[m.type](m.constraints ?? []));
  }
  for (const n of nullable) props[n].nullable = true;
  const required = Object.keys(props).filter((p) => !optional.has(p));
  return { type: 'object', properties: props, ...(required.length ? { required } : {}), additionalProperties: false };
}
