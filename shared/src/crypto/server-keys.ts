import { sodium } from './sodium';
import { randomBytes } from './random';
import { constantTimeEqual, fromBase64, fromBase64Url, fromHex, fromUtf8, toBase64, toBase64Url, utf8 } from './encoding';
import { hookMacInput } from './signing-strings';
import { ID_PATTERN } from './ids';

/** Server-side key derivation and at-rest encryption (protocol.md §2.1). */

export const deriveAtRestKey = (master: Uint8Array): Uint8Array => sodium().crypto_kdf_derive_from_key(32, 1, 'cmatrest', master);
export const deriveHookKey = (master: Uint8Array): Uint8Array => sodium().crypto_kdf_derive_from_key(32, 2, 'cmhooktk', master);

export function masterKeyFromHex(hex: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error('SERVER_SECRET must be 64 lowercase hex chars');
  return fromHex(hex);
}

/** Record contexts, so a ciphertext copied to another row does not decrypt. */
export const AtRestContext = {
  ownerSecret: (meshId: string) => `mesh/${meshId}/owner-sk`,
  rootKey: (meshId: string, epoch: number) => `mesh/${meshId}/root/${epoch}`,
  v1Token: (inviteId: string) => `invite/${inviteId}/v1-token`,
  keyCheck: 'instance/key-check',
} as const;

export const KEY_CHECK_PLAINTEXT = 'claudemesh-key-check';

const recordKey = (atRestKey: Uint8Array, context: string): Uint8Array =>
  sodium().crypto_generichash(32, utf8(context), atRestKey);

/** `enc1:` + base64(nonce(24) ‖ secretbox(plaintext, nonce, K_rec)). */
export function encryptAtRest(plaintext: Uint8Array | string, context: string, atRestKey: Uint8Array): string {
  const s = sodium();
  const nonce = randomBytes(24);
  const pt = typeof plaintext === 'string' ? utf8(plaintext) : plaintext;
  const ct = s.crypto_secretbox_easy(pt, nonce, recordKey(atRestKey, context));
  const out = new Uint8Array(24 + ct.length);
  out.set(nonce);
  out.set(ct, 24);
  return `enc1:${toBase64(out)}`;
}

/** Decrypts an `enc1:` value; throws when the key or context is wrong. */
export function decryptAtRest(stored: string, context: string, atRestKey: Uint8Array): Uint8Array {
  if (!stored.startsWith('enc1:')) throw new Error('not an enc1 value');
  const raw = fromBase64(stored.slice(5));
  if (!raw || raw.length < 24 + 16) throw new Error('corrupt enc1 value');
  return sodium().crypto_secretbox_open_easy(raw.slice(24), raw.slice(0, 24), recordKey(atRestKey, context));
}

export const decryptAtRestString = (stored: string, context: string, atRestKey: Uint8Array): string =>
  fromUtf8(decryptAtRest(stored, context, atRestKey));

/** Hook token `cmh1.<presenceId>.<mac>` (protocol.md §9); stateless. */
export function makeHookToken(presenceId: string, hookKey: Uint8Array): string {
  const mac = sodium().crypto_auth(utf8(hookMacInput(presenceId)), hookKey);
  return `cmh1.${presenceId}.${toBase64Url(mac)}`;
}

/** Returns the presence id when the token parses and its MAC matches (constant time), else null. No I/O. */
export function verifyHookToken(token: string, hookKey: Uint8Array): string | null {
  if (typeof token !== 'string') return null;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== 'cmh1' || !ID_PATTERN.test(parts[1])) return null;
  const mac = fromBase64Url(parts[2]);
  if (!mac || mac.length !== 32) return null;
  const expected = makeHookToken(parts[1], hookKey);
  return constantTimeEqual(expected, token) ? parts[1] : null;
}
