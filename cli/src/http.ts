import type { ErrorResponse } from '@claudemesh/shared/errors';
import { CliError, EXIT, type ExitCode } from './errors';

/** REST error code → CLI exit code (protocol.md §10). */
const EXIT_BY_CODE: Record<string, ExitCode> = {
  invite_revoked: EXIT.inviteUnusable,
  invite_expired: EXIT.inviteUnusable,
  invite_exhausted: EXIT.inviteUnusable,
  mesh_archived: EXIT.inviteUnusable,
  unauthenticated: EXIT.refused,
  forbidden: EXIT.refused,
  member_removed: EXIT.refused,
  account_disabled: EXIT.refused,
  not_found: EXIT.notFound,
  invite_not_found: EXIT.notFound,
  invite_malformed: EXIT.invalidArgs,
  validation_failed: EXIT.invalidArgs,
};

export interface JsonResponse<T> {
  status: number;
  body: T;
}

/** A JSON request; network failures exit 5, error bodies become one-line CliErrors. */
export async function requestJson<T>(
  method: 'GET' | 'POST',
  url: string,
  opts: { body?: unknown; bearer?: string; timeoutMs?: number } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(EXIT.unreachable, `cannot reach ${new URL(url).origin}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (res.ok && body !== null) return body as T;
  throw restError(res.status, body, url);
}

export function restError(status: number, body: unknown, url: string): CliError {
  const err = (body as ErrorResponse | null)?.error;
  if (err && typeof err.code === 'string') {
    // details.reason adds information only when the code does not already say it (invite_exhausted/exhausted does).
    const r = err.details?.reason;
    const reason = typeof r === 'string' && !err.code.endsWith(r) ? ` [${r}]` : '';
    return new CliError(EXIT_BY_CODE[err.code] ?? EXIT.failure, `${err.message} (${err.code}${reason})`, err.code);
  }
  if (status === 404) return new CliError(EXIT.notFound, `${url} answered 404; is this a claudemesh server?`);
  if (status >= 500) return new CliError(EXIT.unreachable, `${new URL(url).origin} answered ${status}`);
  return new CliError(EXIT.failure, `${url} answered ${status} with an unexpected body`);
}
