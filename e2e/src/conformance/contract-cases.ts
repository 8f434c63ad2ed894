/** Hostile-input tables derived from protocol.md §4 (handshake fields) and §7.1 (event fields). */
import { b64, bytes } from './contract-peer';

const UUID_UPPER = 'B96DDC1C-7953-499B-B19C-7F624F5DFBEA';

/**
 * Handshake auth variants that break exactly one rule of the §4 field table. `sessionId`/`timestamp` are signed as given
 * (so only check 1 can refuse them); `fields` replace or add auth fields after signing; `omit` deletes fields.
 */
export interface HelloCase {
  name: string;
  sessionId?: any;
  timestamp?: any;
  fields?: Record<string, unknown>;
  omit?: string[];
}

export const malformedHellos = (meshId: string): HelloCase[] => [
  ...['meshId', 'pubkey', 'sessionId', 'timestamp', 'signature'].map((f) => ({ name: `${f} missing`, omit: [f] })),
  { name: 'meshId 31 chars', fields: { meshId: meshId.slice(1) } },
  { name: 'meshId with a non-base62 char', fields: { meshId: `${meshId.slice(1)}-` } },
  { name: 'meshId a number', fields: { meshId: 42 } },
  { name: 'pubkey not-hex', fields: { pubkey: 'not-hex' } },
  { name: 'pubkey uppercase hex', fields: { pubkey: 'AB'.repeat(32) } },
  { name: 'pubkey 63 hex chars', fields: { pubkey: 'a'.repeat(63) } },
  // Well-formed hex, but the identity point has no x25519 equivalent (§2.2): invalid everywhere.
  { name: 'pubkey not convertible to x25519', fields: { pubkey: `01${'0'.repeat(62)}` } },
  { name: 'sessionId not a UUID', sessionId: 'session-1' },
  { name: 'sessionId uppercase UUID', sessionId: UUID_UPPER },
  { name: 'sessionId UUID without dashes', sessionId: UUID_UPPER.toLowerCase().replace(/-/g, '') },
  { name: 'timestamp a numeric string', timestamp: String(Date.now()) },
  { name: 'timestamp fractional', timestamp: Date.now() + 0.5 },
  { name: 'timestamp beyond the safe integer range', timestamp: 2 ** 53 + 2 },
  { name: 'signature uppercase hex', fields: { signature: 'AB'.repeat(64) } },
  { name: 'signature 127 hex chars', fields: { signature: 'a'.repeat(127) } },
  { name: 'signature a number', fields: { signature: 7 } },
  { name: 'displayName empty', fields: { displayName: '' } },
  { name: 'displayName blank after trimming', fields: { displayName: '   ' } },
  { name: 'displayName 65 chars', fields: { displayName: 'x'.repeat(65) } },
  { name: 'displayName with a control char', fields: { displayName: 'bell\u0007' } },
  { name: 'displayName a number', fields: { displayName: 42 } },
  // A lone surrogate has no UTF-8 encoding (security.md §6 item 3).
  { name: 'displayName with a lone surrogate', fields: { displayName: 'bob\ud800' } },
  { name: 'pid 0', fields: { pid: 0 } },
  { name: 'pid 2^31', fields: { pid: 2147483648 } },
  { name: 'pid fractional', fields: { pid: 1.5 } },
  { name: 'pid a numeric string', fields: { pid: '5' } },
  { name: 'cwd 513 chars', fields: { cwd: `/${'d'.repeat(512)}` } },
  { name: 'cwd with a newline', fields: { cwd: '/tmp\nx' } },
  { name: 'cwd with a lone surrogate', fields: { cwd: '/tmp/\udc00' } },
  { name: 'groups not an array', fields: { groups: 'backend' } },
  { name: 'groups 33 names', fields: { groups: Array.from({ length: 33 }, (_, i) => `g${i}`) } },
  { name: 'groups with an invalid name', fields: { groups: ['-backend'] } },
  { name: 'groups with a non-string', fields: { groups: [1] } },
  { name: 'passive a string', fields: { passive: 'true' } },
  { name: 'client 65 chars', fields: { client: 'c'.repeat(65) } },
  { name: 'client a number', fields: { client: 5 } },
  { name: 'client with a lone surrogate', fields: { client: 'cli/\ud83d' } },
];

/** A payload mutation of `send` and the field the error message must name (security.md §6 item 7). */
export interface SendCase {
  name: string;
  field: string;
  mutate: (p: Record<string, unknown>) => Record<string, unknown>;
}

const without = (p: Record<string, unknown>, k: string): Record<string, unknown> => {
  const q = { ...p };
  delete q[k];
  return q;
};

/** For a valid direct payload (`p.to` a member key). */
export const malformedDirectSends: SendCase[] = [
  { name: 'clientId missing', field: 'clientId', mutate: (p) => without(p, 'clientId') },
  { name: 'clientId not a UUID', field: 'clientId', mutate: (p) => ({ ...p, clientId: 'abc' }) },
  { name: 'clientId uppercase UUID', field: 'clientId', mutate: (p) => ({ ...p, clientId: UUID_UPPER }) },
  { name: 'clientId a number', field: 'clientId', mutate: (p) => ({ ...p, clientId: 5 }) },
  { name: 'to missing', field: 'to', mutate: (p) => without(p, 'to') },
  { name: 'to a display name', field: 'to', mutate: (p) => ({ ...p, to: 'peer-1' }) },
  { name: 'to uppercase hex', field: 'to', mutate: (p) => ({ ...p, to: String(p['to']).toUpperCase() }) },
  { name: 'to 63 hex chars', field: 'to', mutate: (p) => ({ ...p, to: String(p['to']).slice(1) }) },
  { name: 'to with surrounding space', field: 'to', mutate: (p) => ({ ...p, to: ` ${String(p['to'])}` }) },
  { name: 'to a number', field: 'to', mutate: (p) => ({ ...p, to: 12 }) },
  { name: 'toSession not a UUID', field: 'toSession', mutate: (p) => ({ ...p, toSession: 'abc' }) },
  { name: 'priority unknown', field: 'priority', mutate: (p) => ({ ...p, priority: 'urgent' }) },
  { name: 'priority uppercase', field: 'priority', mutate: (p) => ({ ...p, priority: 'NOW' }) },
  { name: 'priority a number', field: 'priority', mutate: (p) => ({ ...p, priority: 1 }) },
  { name: 'keyEpoch on a direct target', field: 'keyEpoch', mutate: (p) => ({ ...p, keyEpoch: 1 }) },
  { name: 'nonce missing', field: 'nonce', mutate: (p) => without(p, 'nonce') },
  { name: 'nonce of 23 bytes', field: 'nonce', mutate: (p) => ({ ...p, nonce: b64(bytes(23)) }) },
  { name: 'nonce of 25 bytes', field: 'nonce', mutate: (p) => ({ ...p, nonce: b64(bytes(25)) }) },
  // 0xfb bytes encode to "+/" in standard base64 and "-_" in base64url: the wrong variant is refused (security.md §6.5).
  { name: 'nonce in base64url', field: 'nonce', mutate: (p) => ({ ...p, nonce: b64(bytes(24, 0xfb)).replace(/\+/g, '-').replace(/\//g, '_') }) },
  { name: 'nonce a number', field: 'nonce', mutate: (p) => ({ ...p, nonce: 24 }) },
  { name: 'ciphertext missing', field: 'ciphertext', mutate: (p) => without(p, 'ciphertext') },
  { name: 'ciphertext of 16 bytes', field: 'ciphertext', mutate: (p) => ({ ...p, ciphertext: b64(bytes(16)) }) },
  { name: 'ciphertext not base64', field: 'ciphertext', mutate: (p) => ({ ...p, ciphertext: '!!!!not base64!!!!' }) },
  { name: 'ciphertext unpadded', field: 'ciphertext', mutate: (p) => ({ ...p, ciphertext: b64(bytes(17)).replace(/=+$/, '') }) },
  { name: 'ciphertext in base64url', field: 'ciphertext', mutate: (p) => ({ ...p, ciphertext: b64(bytes(33, 0xfb)).replace(/\+/g, '-').replace(/\//g, '_') }) },
  { name: 'ciphertext a byte array', field: 'ciphertext', mutate: (p) => ({ ...p, ciphertext: Array.from(bytes(32)) }) },
];

/** For a valid multicast payload (`p.to` is `*`, with keyEpoch). */
export const malformedMulticastSends: SendCase[] = [
  { name: 'keyEpoch missing on *', field: 'keyEpoch', mutate: (p) => without(p, 'keyEpoch') },
  { name: 'keyEpoch a numeric string', field: 'keyEpoch', mutate: (p) => ({ ...p, keyEpoch: '1' }) },
  { name: 'keyEpoch fractional', field: 'keyEpoch', mutate: (p) => ({ ...p, keyEpoch: 1.5 }) },
  { name: 'toSession on *', field: 'toSession', mutate: (p) => ({ ...p, toSession: '2e458052-7352-4e76-84ee-6f303121a69e' }) },
  { name: 'multicast ciphertext of 96 bytes', field: 'ciphertext', mutate: (p) => ({ ...p, ciphertext: b64(bytes(96)) }) },
  { name: 'group target without a name', field: 'to', mutate: (p) => ({ ...p, to: '@' }) },
  { name: 'group name with a leading dash', field: 'to', mutate: (p) => ({ ...p, to: '@-ops' }) },
  { name: 'group name of 33 chars', field: 'to', mutate: (p) => ({ ...p, to: `@${'g'.repeat(33)}` }) },
  { name: 'group name with a space', field: 'to', mutate: (p) => ({ ...p, to: '@on call' }) },
  { name: 'double star', field: 'to', mutate: (p) => ({ ...p, to: '**' }) },
];

/** Payloads that are not objects (security.md §6 item 6). */
export const nonObjects: { name: string; value: unknown }[] = [
  { name: 'a string', value: 'hello' },
  { name: 'a number', value: 5 },
  { name: 'an array', value: [] },
  { name: 'null', value: null },
  { name: 'a boolean', value: true },
  // JSON only, no binary attachments (§3): a Buffer becomes a socket.io binary attachment.
  { name: 'a binary attachment', value: Buffer.from('{"messageIds":["x"]}') },
];
