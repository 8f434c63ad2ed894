import { sodium } from './sodium';
import { randomBytes } from './random';
import { ed25519PkToX25519, ed25519SkToX25519, signDetached, verifyDetached } from './keys';
import { fromBase64, fromBase64Url, fromHex, fromUtf8, toBase64, toBase64Url, toHex, utf8 } from './encoding';
import { multicastSigningString } from './signing-strings';

/** The plaintext body of every message (protocol.md §2.3). */
export interface MessageBody {
  v: 1;
  text: string;
  replyTo?: string;
}

export interface Envelope {
  nonce: string;
  ciphertext: string;
}

export function encodeBody(body: MessageBody): Uint8Array {
  return utf8(JSON.stringify(body));
}

/** Parses a decrypted body; null when it is not a {v:1,text} object. */
export function decodeBody(bytes: Uint8Array): MessageBody | null {
  try {
    const o = JSON.parse(fromUtf8(bytes));
    if (!o || typeof o !== 'object' || Array.isArray(o) || o.v !== 1 || typeof o.text !== 'string') return null;
    const body: MessageBody = { v: 1, text: o.text };
    if (typeof o.replyTo === 'string') body.replyTo = o.replyTo;
    return body;
  } catch {
    return null;
  }
}

/** Direct message: crypto_box from the sender's x25519 secret to the recipient's x25519 public key. */
export function sealDirect(body: MessageBody, recipientPubkeyHex: string, senderSecretKeyHex: string): Envelope {
  const s = sodium();
  const xpk = ed25519PkToX25519(recipientPubkeyHex);
  if (!xpk) throw new Error('recipient key has no x25519 equivalent');
  const nonce = randomBytes(s.crypto_box_NONCEBYTES);
  const ct = s.crypto_box_easy(encodeBody(body), nonce, xpk, ed25519SkToX25519(senderSecretKeyHex));
  return { nonce: toBase64(nonce), ciphertext: toBase64(ct) };
}

export function openDirect(env: Envelope, senderPubkeyHex: string, ownSecretKeyHex: string): MessageBody | null {
  const s = sodium();
  const nonce = fromBase64(env.nonce);
  const ct = fromBase64(env.ciphertext);
  const xpk = ed25519PkToX25519(senderPubkeyHex);
  if (!nonce || !ct || !xpk || nonce.length !== s.crypto_box_NONCEBYTES) return null;
  try {
    return decodeBody(s.crypto_box_open_easy(ct, nonce, xpk, ed25519SkToX25519(ownSecretKeyHex)));
  } catch {
    return null;
  }
}

/** K_mc(e) = crypto_kdf_derive_from_key(32, 1, "cm-mcast", rootKey(e)). */
export function multicastKey(rootKey: Uint8Array): Uint8Array {
  return sodium().crypto_kdf_derive_from_key(32, 1, 'cm-mcast', rootKey);
}

/** Broadcast (`*`) or group (`@g`): secretbox under K_mc of plaintext sig(64) ‖ body, signed by the sender. */
export function sealMulticast(
  body: MessageBody,
  ctx: { meshId: string; to: string; keyEpoch: number },
  rootKey: Uint8Array,
  senderSecretKeyHex: string,
): Envelope {
  const s = sodium();
  const bodyBytes = encodeBody(body);
  const prefix = utf8(multicastSigningString(ctx.meshId, ctx.to, ctx.keyEpoch));
  const signed = new Uint8Array(prefix.length + bodyBytes.length);
  signed.set(prefix);
  signed.set(bodyBytes, prefix.length);
  const sig = fromHex(signDetached(signed, senderSecretKeyHex));
  const plaintext = new Uint8Array(64 + bodyBytes.length);
  plaintext.set(sig);
  plaintext.set(bodyBytes, 64);
  const nonce = randomBytes(s.crypto_secretbox_NONCEBYTES);
  const ct = s.crypto_secretbox_easy(plaintext, nonce, multicastKey(rootKey));
  return { nonce: toBase64(nonce), ciphertext: toBase64(ct) };
}

export function openMulticast(
  env: Envelope,
  ctx: { meshId: string; to: string; keyEpoch: number; senderPubkeyHex: string },
  rootKey: Uint8Array,
): MessageBody | null {
  const s = sodium();
  const nonce = fromBase64(env.nonce);
  const ct = fromBase64(env.ciphertext);
  if (!nonce || !ct || nonce.length !== s.crypto_secretbox_NONCEBYTES) return null;
  let plaintext: Uint8Array;
  try {
    plaintext = s.crypto_secretbox_open_easy(ct, nonce, multicastKey(rootKey));
  } catch {
    return null;
  }
  if (plaintext.length < 64) return null;
  const sig = plaintext.slice(0, 64);
  const bodyBytes = plaintext.slice(64);
  const prefix = utf8(multicastSigningString(ctx.meshId, ctx.to, ctx.keyEpoch));
  const signed = new Uint8Array(prefix.length + bodyBytes.length);
  signed.set(prefix);
  signed.set(bodyBytes, prefix.length);
  if (!verifyDetached(signed, toHex(sig), ctx.senderPubkeyHex)) return null;
  return decodeBody(bodyBytes);
}

/** crypto_box_seal of a 32-byte root key to an x25519 public key; base64url. */
export function sealToX25519(secret: Uint8Array, recipientX25519: Uint8Array): string {
  return toBase64Url(sodium().crypto_box_seal(secret, recipientX25519));
}

/** Seals to a member's ed25519 identity (converted to x25519). */
export function sealToMember(secret: Uint8Array, memberPubkeyHex: string): string {
  const x = ed25519PkToX25519(memberPubkeyHex);
  if (!x) throw new Error('member key has no x25519 equivalent');
  return sealToX25519(secret, x);
}

/** Opens a sealed root key; null unless it opens to exactly 32 bytes. */
export function openSealedRootKey(sealedB64Url: string, x25519Public: Uint8Array, x25519Secret: Uint8Array): Uint8Array | null {
  const sealed = fromBase64Url(sealedB64Url);
  if (!sealed) return null;
  try {
    const out = sodium().crypto_box_seal_open(sealed, x25519Public, x25519Secret);
    return out.length === 32 ? out : null;
  } catch {
    return null;
  }
}

/** Opens a root key sealed to a member's identity. */
export function openSealedForMember(sealedB64Url: string, memberSecretKeyHex: string): Uint8Array | null {
  const s = sodium();
  const xsk = ed25519SkToX25519(memberSecretKeyHex);
  const xpk = s.crypto_scalarmult_base(xsk);
  return openSealedRootKey(sealedB64Url, xpk, xsk);
}

export interface ClaimKeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
  publicKeyBase64Url: string;
}

/** The one-claim x25519 keypair (crypto_box_keypair). */
export function generateClaimKeyPair(): ClaimKeyPair {
  const kp = sodium().crypto_box_keypair();
  return { publicKey: kp.publicKey, secretKey: kp.privateKey, publicKeyBase64Url: toBase64Url(kp.publicKey) };
}

export function randomRootKey(): Uint8Array {
  return randomBytes(32);
}
