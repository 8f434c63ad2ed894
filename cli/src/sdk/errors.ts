/** Why a PeerClient operation failed: a connect_error code, an ack error code, or one of the client-side codes. */
export type PeerClientErrorCode =
  | 'rate_limited'
  | 'malformed'
  | 'timestamp_skew'
  | 'bad_signature'
  | 'replay'
  | 'mesh_not_found'
  | 'unauthorized'
  | 'capacity'
  | 'internal'
  | 'too_large'
  | 'idempotency_conflict'
  | 'unknown_recipient'
  | 'stale_key_epoch'
  | 'forbidden'
  | 'not_found'
  | 'unknown_event'
  | 'unreachable'
  | 'timeout'
  | 'closed'
  | 'terminated'
  | 'session_replaced'
  | 'no_root_key';

export class PeerClientError extends Error {
  constructor(
    readonly code: PeerClientErrorCode,
    message: string,
    readonly data: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'PeerClientError';
  }
}

/** connect_error codes after which the client never retries on its own (protocol.md §4). */
export const FATAL_CONNECT_CODES = new Set(['malformed', 'bad_signature', 'unauthorized', 'mesh_not_found']);
