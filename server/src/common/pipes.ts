import { ArgumentMetadata, Injectable, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { AppError, FieldError } from '@claudemesh/shared/errors';
import { isId } from '@claudemesh/shared/crypto';

/** Flattens class-validator errors into `details.fields` (api.md §1.4), nested fields as `a.b` / `a.0.b`. */
export function toFieldErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const constraints = e.constraints ?? {};
    if (constraints['whitelistValidation']) {
      out.push({ field, message: `${safeName(field)} is not an allowed field` });
    } else {
      const first = Object.values(constraints)[0];
      if (first) out.push({ field, message: first });
    }
    if (e.children?.length) out.push(...toFieldErrors(e.children, field));
  }
  return out;
}

/** Unknown field names are client input: never echo more than 64 chars. */
function safeName(name: string): string {
  return name.length > 64 ? `${name.slice(0, 61)}...` : name;
}

/**
 * Own keys of a JSON object that the DTO does not declare. class-validator's whitelist misses names that the DTO
 * instance inherits (`constructor`, `toString`, `__proto__`…), so those would otherwise pass silently.
 */
export function unknownKeys(cls: new (...args: never[]) => unknown, value: object): string[] {
  const declared = new Set(getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false).map((m) => m.propertyName));
  return Object.keys(value).filter((k) => !declared.has(k));
}

export const unknownFieldErrors = (keys: string[]): FieldError[] => keys.map((k) => ({ field: safeName(k), message: `${safeName(k)} is not an allowed field` }));

/** A copy of `value` without `keys`. */
export const omitKeys = (value: object, keys: string[]): Record<string, unknown> => Object.fromEntries(Object.entries(value).filter(([k]) => !keys.includes(k)));

export function validationFailed(fields: FieldError[]): AppError {
  const message = fields[0]?.message ?? 'The request is invalid';
  return new AppError('validation_failed', message, { fields });
}

/**
 * The global strict pipe (security.md §6): class-validator DTOs from @claudemesh/shared/dto, whitelist with
 * forbidNonWhitelisted (unknown body fields and query parameters → 400), no implicit coercion.
 * A JSON body that is not an object is refused when the handler expects a DTO.
 */
@Injectable()
export class AppValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      validationError: { target: false, value: false },
      stopAtFirstError: false,
      exceptionFactory: (errors: ValidationError[]) => validationFailed(toFieldErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const dto = metadata.metatype && !isPrimitiveType(metadata.metatype);
    if (dto && (metadata.type === 'body' || metadata.type === 'query')) {
      // no body at all reads as {}; a JSON value that is not an object (null, "x", 42, []) is refused
      if (value === undefined) value = {};
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw validationFailed([{ field: metadata.type, message: `The ${metadata.type} must be a JSON object` }]);
      }
      const unknown = unknownKeys(metadata.metatype as new () => unknown, value);
      if (unknown.length) {
        // reported together with the declared fields' own errors
        const others = await super.transform(omitKeys(value, unknown), metadata).then(
          () => [] as FieldError[],
          (e: unknown) => ((e as AppError).details?.fields as FieldError[] | undefined) ?? [],
        );
        throw validationFailed([...unknownFieldErrors(unknown), ...others]);
      }
    }
    return super.transform(value, metadata);
  }
}

function isPrimitiveType(t: unknown): boolean {
  return [String, Boolean, Number, Array, Object, Buffer].includes(t as never);
}

/** Path ids (api.md §1.1): a malformed id answers 404 not_found, exactly like an unknown one. */
@Injectable()
export class IdParamPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !isId(value)) throw new AppError('not_found', 'No such resource');
    return value;
  }
}
