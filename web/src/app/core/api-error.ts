import { HttpContextToken, HttpErrorResponse } from '@angular/common/http';
import type { ErrorCode, ErrorDetails, ErrorResponse } from '@claudemesh/shared/errors';

/** Text shown when the request never reached the server (api.md §11). */
export const NETWORK_FAILURE_MESSAGE = 'Cannot reach the server';

/** Set on a request whose errors the caller renders itself (no toast, no 401 redirect). */
export const SILENT_ERRORS = new HttpContextToken<boolean>(() => false);

/** The error every API call fails with after the interceptor: the server's code and its message, verbatim. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'network_error' | 'unknown',
    message: string,
    readonly details?: ErrorDetails,
    readonly requestId?: string,
    /** The response body as received, for endpoints outside the error shape (for example /health/ready's 503). */
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function isErrorResponse(body: unknown): body is ErrorResponse {
  const e = (body as ErrorResponse | null)?.error;
  return !!e && typeof e === 'object' && typeof e.code === 'string' && typeof e.message === 'string';
}

/** Turns any HttpErrorResponse into an ApiError whose message is the server's `error.message` unchanged. */
export function toApiError(res: HttpErrorResponse): ApiError {
  if (res.status === 0) return new ApiError(0, 'network_error', NETWORK_FAILURE_MESSAGE);
  let body: unknown = res.error;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      body = null;
    }
  }
  if (isErrorResponse(body)) {
    return new ApiError(res.status, body.error.code, body.error.message, body.error.details, body.requestId, body);
  }
  // Not our error shape (for example a proxy's HTML page): say what happened without inventing a message.
  const statusText = res.statusText && res.statusText !== 'OK' ? ` ${res.statusText}` : '';
  return new ApiError(res.status, 'unknown', `The server answered ${res.status}${statusText}`, undefined, undefined, body);
}

/** A message for anything a subscription may fail with. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof HttpErrorResponse) return toApiError(err).message;
  if (err instanceof Error) return err.message;
  return String(err);
}
