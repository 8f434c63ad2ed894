import { Transform } from 'class-transformer';
import { registerDecorator, ValidateIf, ValidationArguments, ValidationOptions } from 'class-validator';
import { hasControlChars } from '../../protocol/constants';

/**
 * Reusable edge validators (api.md §1.1, security.md §6). Every decorator here gives one clear
 * message that names the field and the rule and never echoes the input.
 *
 * Trimming/parsing happens with class-transformer @Transform, so the server's ValidationPipe must run
 * with `transform: true` (and no implicit conversion): the controller then receives the trimmed values.
 */

export { CONTROL_CHARS, hasControlChars } from '../../protocol/constants';
export const EMAIL_MAX = 254;

/** Length in Unicode code points (a surrogate pair counts once). */
export const codePointLength = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};


/** A lone surrogate cannot be encoded as UTF-8. */
export const isWellFormedUnicode = (s: string): boolean => !/\p{Surrogate}/u.test(s);

const trimIfString = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

function rangeText(min: number, max: number, unit: string): string {
  return min === max ? `${min} ${unit}` : `${min} to ${max} ${unit}`;
}

export interface StringRuleOptions {
  /** minimum length in code points (default 1) */
  min?: number;
  /** maximum length in code points */
  max: number;
  /** trim before checking (default true; false for passwords, tokens and proofs) */
  trim?: boolean;
  /** refuse control characters (default true) */
  noControlChars?: boolean;
}

/** Why a string breaks the rule, or null when it is fine. */
export function stringRuleViolation(property: string, value: unknown, o: StringRuleOptions): string | null {
  const min = o.min ?? 1;
  if (typeof value !== 'string') return `${property} must be a string`;
  if (!isWellFormedUnicode(value)) return `${property} must be valid UTF-8 text`;
  if (o.noControlChars !== false && hasControlChars(value)) return `${property} must not contain control characters`;
  const len = codePointLength(value);
  if (len < min || len > o.max) return `${property} must be ${rangeText(min, o.max, 'characters')} long`;
  return null;
}

/**
 * A string field: trimmed (unless `trim:false`), no control characters, length in code points within [min, max].
 */
export function IsTrimmedString(o: StringRuleOptions, validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    if (o.trim !== false) Transform(trimIfString)(target, propertyName);
    registerDecorator({
      name: 'isTrimmedString',
      constraints: [{ schema: { type: 'string', minLength: o.min ?? 1, maxLength: o.max } }],
      target: target.constructor,
      propertyName: propertyName as string,
      options: validationOptions,
      validator: {
        validate: (value: unknown, args: ValidationArguments) => stringRuleViolation(args.property, value, o) === null,
        defaultMessage: (args: ValidationArguments) => stringRuleViolation(args.property, args.value, o) ?? `${args.property} is invalid`,
      },
    });
  };
}

/** A password, token or proof: taken as sent (never trimmed), length checked in code points, no control characters. */
export function IsSecretString(o: { min?: number; max: number }, validationOptions?: ValidationOptions): PropertyDecorator {
  return IsTrimmedString({ ...o, trim: false }, validationOptions);
}

/** Only refuses control characters (for strings checked otherwise). */
export function NoControlChars(validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'noControlChars',
      constraints: [{ schema: { type: 'string' } }],
      target: target.constructor,
      propertyName: propertyName as string,
      options: validationOptions,
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !hasControlChars(value),
        defaultMessage: (args: ValidationArguments) => `${args.property} must not contain control characters`,
      },
    });
}

// A pragmatic address check: an ASCII dot-atom local part (so JS and PostgreSQL lowercase it alike), one @, a dotted
// domain; the full RFC grammar is not worth it here.
const EMAIL_PATTERN = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export function emailViolation(property: string, value: unknown): string | null {
  if (typeof value !== 'string') return `${property} must be a string`;
  if (value.length === 0) return `${property} is required`;
  if (value.length > EMAIL_MAX) return `${property} must be at most ${EMAIL_MAX} characters long`;
  if (hasControlChars(value) || !EMAIL_PATTERN.test(value)) return `${property} must be a valid email address`;
  return null;
}

/** An email address: trimmed, lowercased, at most 254 chars, valid form. */
export function IsEmailAddress(validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))(target, propertyName);
    registerDecorator({
      name: 'isEmailAddress',
      constraints: [{ schema: { type: 'string', format: 'email', maxLength: EMAIL_MAX } }],
      target: target.constructor,
      propertyName: propertyName as string,
      options: validationOptions,
      validator: {
        validate: (value: unknown, args: ValidationArguments) => emailViolation(args.property, value) === null,
        defaultMessage: (args: ValidationArguments) => emailViolation(args.property, args.value) ?? `${args.property} is invalid`,
      },
    });
  };
}

/** A JSON integer (never a numeric string) within [min, max] and the safe range. */
export function IsStrictInt(min: number, max: number, validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isStrictInt',
      constraints: [{ schema: { type: 'integer', minimum: min, maximum: max } }],
      target: target.constructor,
      propertyName: propertyName as string,
      options: validationOptions,
      validator: {
        validate: (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max,
        defaultMessage: (args: ValidationArguments) => `${args.property} must be an integer from ${min} to ${max}`,
      },
    });
}

/** A JSON boolean (never "true"/"false" strings in bodies). */
export function IsStrictBoolean(validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isStrictBoolean',
      constraints: [{ schema: { type: 'boolean' } }],
      target: target.constructor,
      propertyName: propertyName as string,
      options: validationOptions,
      validator: {
        validate: (value: unknown) => typeof value === 'boolean',
        defaultMessage: (args: ValidationArguments) => `${args.property} must be true or false`,
      },
    });
}

/** One of the given string values. */
export function IsOneOf(values: readonly string[], validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isOneOf',
      constraints: [{ schema: { type: 'string', enum: [...values] } }],
      target: target.constructor,
      propertyName: propertyName as string,
      options: validationOptions,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && values.includes(value),
        defaultMessage: (args: ValidationArguments) => `${args.property} must be one of: ${values.join(', ')}`,
      },
    });
}

/** A generated id: 32 base62 chars. */
export function IsId(validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isId',
      constraints: [{ schema: { type: 'string', pattern: '^[0-9A-Za-z]{32}$' } }],
      target: target.constructor,
      propertyName: propertyName as string,
      options: validationOptions,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && /^[0-9A-Za-z]{32}$/.test(value),
        defaultMessage: (args: ValidationArguments) => `${args.property} must be an id of 32 base62 characters`,
      },
    });
}

/**
 * A query-string integer: only decimal digits are accepted ("5", never "+5", "5.0", " 5" or "0x5"), then
 * converted to a number for the controller.
 */
export function IsQueryInt(min: number, max: number, validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    Transform(({ value }) => (typeof value === 'string' && /^[0-9]{1,15}$/.test(value) ? Number(value) : value))(target, propertyName);
    IsStrictInt(min, max, validationOptions)(target, propertyName);
  };
}

/** A query-string boolean: exactly "true" or "false". */
export function IsQueryBoolean(validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))(target, propertyName);
    registerDecorator({
      name: 'isQueryBoolean',
      constraints: [{ schema: { type: 'boolean' } }],
      target: target.constructor,
      propertyName: propertyName as string,
      options: validationOptions,
      validator: {
        validate: (value: unknown) => typeof value === 'boolean',
        defaultMessage: (args: ValidationArguments) => `${args.property} must be true or false`,
      },
    });
  };
}

/** A property that must never be present (see EmptyBodyDto). */
export function IsAbsent(validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isAbsent',
      target: target.constructor,
      propertyName: propertyName as string,
      options: validationOptions,
      validator: {
        validate: (value: unknown) => value === undefined,
        defaultMessage: (args: ValidationArguments) => `${args.property} is not an allowed field`,
      },
    });
}

/**
 * A body field that may be left out, where null is a wrong type like any other (api.md names the few nullable
 * fields, which use ValidateIf instead). class-validator's IsOptional would let null through unchecked.
 * The context marker tells dtoJsonSchema that the field is optional but not nullable.
 */
export function IsOmittable(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    ValidateIf((o: Record<string | symbol, unknown>) => o[propertyName] !== undefined, { context: { omittable: true } })(target, propertyName as string);
}
