import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CODE_PATTERN } from '@claudemesh/shared/crypto';
import { AppError } from '@claudemesh/shared/errors';
import { omitKeys, toFieldErrors, unknownFieldErrors, unknownKeys } from '../common/pipes';
import { inviteError } from './invite-lifecycle';

/**
 * Edge validation for the public claim/join bodies. It runs inside the service (not the global pipe) so the contract's
 * check order holds: the code path parameter first, then the body, then the proof (invites.md §4.3), and so the
 * errors carry `details.reason`.
 */
export function validatePublicBody<T extends object>(cls: new () => T, body: unknown, omit: string[] = []): T {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new AppError('validation_failed', 'The body must be a JSON object', {
      reason: 'malformed',
      fields: [{ field: 'body', message: 'The body must be a JSON object' }],
    });
  }
  const unknown = unknownKeys(cls, body);
  const instance = plainToInstance(cls, omitKeys(body, unknown), { enableImplicitConversion: false });
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  }).filter((e) => !omit.includes(e.property));
  if (errors.length || unknown.length) {
    const fields = [...unknownFieldErrors(unknown), ...toFieldErrors(errors)];
    throw new AppError('validation_failed', fields[0]?.message ?? 'The request is invalid', { reason: 'malformed', fields });
  }
  return instance;
}

/** Codes accept `^[0-9A-Za-z]{1,64}$` (invites.md §2); anything else is invite_malformed. */
export function assertCode(code: unknown): string {
  if (typeof code !== 'string' || !CODE_PATTERN.test(code)) throw inviteError('invite_malformed', 'malformed');
  return code;
}
