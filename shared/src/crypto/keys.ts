import { sodium } from './sodium';
import { fromHex, isHex128, isHex64, toBase64Url, toHex, utf8 } from './encoding';

export interface Ed25519KeyPair {
  /** 64 lowercase hex. */
  publicKey: string;
  /** 128 lowercase hex: seed ‖ public key. */
  secretKey: string;
}

export function generateSigningKeyPair(): Ed25519KeyPair {
  const kp = sodium().crypto_sign_keypair();
  return { publicKey: toHex(kp.publicKey), secretKey: toHex(kp.privateKey) };
}

export function signingKeyPairFromSeed(seedHex: string): Ed25519KeyPair {
  const kp = sodium().crypto_sign_seed_keypair(fromHex(seedHex));
  return { publicKey: toHex(kp.publicKey), secretKey: toHex(kp.privateKey) };
}

/** Detached ed25519 signature over the UTF-8 bytes of `message` (or raw bytes), as 128 hex. */
export function signDetached(message: string | Uint8Array, secretKeyHex: string): string {
  const bytes = typeof message === 'string' ? utf8(message) : message;
  return toHex(sodium().crypto_sign_detached(bytes, fromHex(secretKeyHex)));
}

/** Never throws: any malformed input is simply "does not verify". */
export function verifyDetached(message: string | Uint8Array, signatureHex: string, publicKeyHex: string): boolean {
  if (!isHex128(signatureHex) || !isHex64(publicKeyHex)) return false;
  try {
    const bytes = typeof message === 'string' ? utf8(message) : message;
    return sodium().crypto_sign_verify_detached(fromHex(signatureHex), bytes, fromHex(publicKeyHex));
  } catch {
    return false;
  }
}

/** x25519 public key of an ed25519 public key, or null when it has none (an invalid key everywhere). */
export function ed25519PkToX25519(publicKeyHex: string): Uint8Array | null {
  if (!isHex64(publicKeyHex)) return null;
  try {
    return sodium().crypto_sign_ed25519_pk_to_curve25519(fromHex(publicKeyHex));
  } catch {
    return null;
  }
}

export function ed25519SkToX25519(secretKeyHex: string): Uint8Array {
  return sodium().crypto_sign_ed25519_sk_to_curve25519(fromHex(secretKeyHex));
}

/** A peer key is valid when it is 64 lowercase hex and converts to x25519. */
export const isValidPeerPubkey = (s: unknown): s is string => isHex64(s) && ed25519PkToX25519(s) !== null;

export function x25519PublicKeyBase64Url(publicKeyHex: string): string {
  const x = ed25519PkToX25519(publicKeyHex);
  if (!x) throw new Error('public key has no x25519 equivalent');
  return toBase64Url(x);
}

/** "03a1 07bf f3ce 10be": the first 16 hex chars of an owner key in groups of four. */
export function keyFingerprint(publicKeyHex: string): string {
  return publicKeyHex.slice(0, 16).replace(/(.{4})(?=.)/g, '$1 ');
}
