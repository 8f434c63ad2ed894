import { ApiError } from '../core/api-error';

/** Per-field messages of a validation_failed error (api.md §1.4 details.fields), keyed by field name. */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (err instanceof ApiError && err.details?.fields) {
    for (const f of err.details.fields) out[f.field] ??= f.message;
  }
  return out;
}

/** A same-site path to return to after sign-in; anything else goes to /meshes. */
export function safeNext(next: string | null | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : '/meshes';
}
