import { ValidateBy, type ValidationOptions } from 'class-validator';
import { fromBase64Url } from '../../crypto/encoding';
import { isValidPeerPubkey } from '../../crypto/keys';

/** 64 lowercase hex ed25519 key convertible to x25519. */
export const IsPeerPubkey = (options?: ValidationOptions) =>
  ValidateBy({ name: 'isPeerPubkey', validator: { validate: (v) => isValidPeerPubkey(v) } }, options);

/** Unpadded base64url decoding to exactly 32 bytes. */
export function isX25519Base64Url(value: unknown): boolean {
  if (typeof value !== 'string' || value.length !== 43) return false;
  const b = fromBase64Url(value);
  return !!b && b.length === 32;
}

export const IsX25519Base64Url = (options?: ValidationOptions) =>
  ValidateBy({ name: 'isX25519Base64Url', validator: { validate: (v) => isX25519Base64Url(v) } }, options);

export const isHex128Lower = (v: unknown): boolean => typeof v === 'string' && /^[0-9a-f]{128}$/.test(v);

export const IsSignatureHex = (options?: ValidationOptions) =>
  ValidateBy({ name: 'isSignatureHex', validator: { validate: (v) => isHex128Lower(v) } }, options);
