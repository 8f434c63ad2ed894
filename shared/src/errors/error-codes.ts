/** REST error codes and their HTTP status (api.md §1.4). */
export const ERROR_STATUS = {
  validation_failed: 400,
  invalid_json: 400,
  invite_malformed: 400,
  invite_bad_signature: 400,
  invalid_proof: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  csrf_failed: 403,
  forbidden: 403,
  session_required: 403,
  account_disabled: 403,
  signup_disabled: 403,
  setup_token_invalid: 403,
  v1_invites_disabled: 403,
  member_removed: 403,
  not_found: 404,
  invite_not_found: 404,
  account_not_found: 404,
  email_taken: 409,
  mesh_full: 409,
  invite_version_mismatch: 409,
  invite_already_pending: 409,
  invite_already_accepted: 409,
  not_email_invite: 409,
  resend_limit: 409,
  transfer_target_invalid: 409,
  cannot_modify_self: 409,
  last_admin: 409,
  session_mismatch: 409,
  invite_revoked: 410,
  invite_expired: 410,
  invite_exhausted: 410,
  mesh_archived: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  resend_too_soon: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface FieldError {
  field: string;
  message: string;
}

export interface ErrorDetails {
  fields?: FieldError[];
  retryAfterMs?: number;
  reason?: string;
  [key: string]: unknown;
}

/** The REST error body (api.md §1.4). */
export interface ErrorResponse {
  error: { code: ErrorCode; message: string; details?: ErrorDetails };
  statusCode: number;
  timestamp: string;
  path: string;
  requestId: string;
}

/** The one error type services throw; the HTTP and WS filters map it to the contract shapes. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_STATUS[code];
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/** Socket.IO ack error codes (protocol.md §3). */
export const ACK_ERROR_CODES = [
  'malformed',
  'too_large',
  'idempotency_conflict',
  'rate_limited',
  'unknown_recipient',
  'stale_key_epoch',
  'forbidden',
  'not_found',
  'unknown_event',
  'internal',
] as const;
export type AckErrorCode = (typeof ACK_ERROR_CODES)[number];

export interface AckError {
  code: AckErrorCode;
  message: string;
  retryAfterMs?: number;
  details?: Record<string, unknown>;
}

/** Thrown inside socket event handlers; the gateway turns it into `{ok:false,error}`. */
export class AckFailure extends Error {
  constructor(
    readonly code: AckErrorCode,
    message: string,
    readonly extra: { retryAfterMs?: number; details?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'AckFailure';
  }
  toAck(): { ok: false; error: AckError } {
    return { ok: false, error: { code: this.code, message: this.message, ...this.extra } };
  }
}

/** `/peer` handshake connect_error codes (protocol.md §4). */
export const CONNECT_ERROR_CODES = [
  'rate_limited',
  'malformed',
  'timestamp_skew',
  'bad_signature',
  'replay',
  'mesh_not_found',
  'unauthorized',
  'capacity',
  'internal',
] as const;
export type ConnectErrorCode = (typeof CONNECT_ERROR_CODES)[number];

export interface ConnectErrorData {
  code: ConnectErrorCode;
  message: string;
  retryAfterMs?: number;
  serverTime?: number;
}

/** `/ui` connect_error codes (api.md §10). */
export type UiConnectErrorCode = 'unauthenticated' | 'csrf_failed';
