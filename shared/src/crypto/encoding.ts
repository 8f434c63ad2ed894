import { sodium } from './sodium';
import { sha256 } from './sha256';

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;
const B64_STD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const B64_URL = /^[A-Za-z0-9_-]*$/;

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const fromUtf8 = (b: Uint8Array): string => new TextDecoder('utf-8', { fatal: true }).decode(b);

export function toHex(b: Uint8Array): string {
  return sodium().to_hex(b);
}

export function fromHex(s: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/.test(s)) throw new Error('not lowercase hex');
  return sodium().from_hex(s);
}

export const isHex64 = (s: unknown): s is string => typeof s === 'string' && HEX64.test(s);
export const isHex128 = (s: unknown): s is string => typeof s === 'string' && HEX128.test(s);

/** Standard base64 with padding. */
export function toBase64(b: Uint8Array): string {
  return sodium().to_base64(b, sodium().base64_variants.ORIGINAL);
}

/** Strict standard base64 (padded); returns null for any other form, including base64url. */
export function fromBase64(s: string): Uint8Array | null {
  if (typeof s !== 'string' || s.length % 4 !== 0 || !B64_STD.test(s)) return null;
  try {
    return sodium().from_base64(s, sodium().base64_variants.ORIGINAL);
  } catch {
    return null;
  }
}

/** base64url without padding. */
export function toBase64Url(b: Uint8Array): string {
  return sodium().to_base64(b, sodium().base64_variants.URLSAFE_NO_PADDING);
}

/** Strict unpadded base64url; null for padded or standard base64. */
export function fromBase64Url(s: string): Uint8Array | null {
  if (typeof s !== 'string' || !B64_URL.test(s) || s.length % 4 === 1) return null;
  try {
    const out = sodium().from_base64(s, sodium().base64_variants.URLSAFE_NO_PADDING);
    // Reject non-canonical encodings (stray low bits in the last char).
    return toBase64Url(out) === s ? out : null;
  } catch {
    return null;
  }
}

export function sha256Hex(data: Uint8Array | string): string {
  const bytes = typeof data === 'string' ? utf8(data) : data;
  return toHex(sha256(bytes));
}

export function constantTimeEqual(a: string, b: string): boolean {
  // Compare fixed-length digests, so that neither the content nor the length of the secret shows in the timing.
  return sodium().memcmp(sha256(utf8(a)), sha256(utf8(b)));
}
