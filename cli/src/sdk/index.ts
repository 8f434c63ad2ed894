/** The claudemesh peer SDK: typed, end-to-end encrypted peer sessions over Socket.IO (protocol.md). */
export { PeerClient, type PeerClientOptions, type PeerClientEventMap, type SendOptions, type ConnectionStatus } from './peer-client';
export { PeerClientError, FATAL_CONNECT_CODES, type PeerClientErrorCode } from './errors';
export { buildHelloAuth, type PeerIdentity, type HelloOptions } from './auth';
export { backoffDelay } from './backoff';
export { decryptMessage, encryptFor, targetKind, isDirectTarget, type DecryptedMessage, type TargetKind } from './messages';
export { cryptoReady } from '@claudemesh/shared/crypto';
