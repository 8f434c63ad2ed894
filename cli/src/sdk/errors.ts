import type { AckErrorCode, ConnectErrorCode } from '@claudemesh/shared/errors';

/** Why a PeerClient operation failed: a connect_error code, an ack error code, or one of the client-side codes. */
export type PeerClientErrorCode =
  | ConnectErrorCode
  | AckErrorCode
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
export const FATAL_CONNECT_CODES: ReadonlySet<string> = new Set<ConnectErrorCode>(['malformed', 'bad_signature', 'unauthorized', 'mesh_not_found']);
