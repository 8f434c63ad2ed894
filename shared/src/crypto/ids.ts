import { randomBytes } from './random';
import { sodium } from './sodium';

export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const ID_PATTERN = /^[0-9A-Za-z]{32}$/;
export const CODE_PATTERN = /^[0-9A-Za-z]{1,64}$/;
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Base62 from the CSPRNG by rejection sampling: bytes >= 248 (4 × 62) are discarded, so there is no modulo bias. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const buf = randomBytes(Math.max(16, (length - out.length) * 2));
    for (const b of buf) {
      if (b >= 248) continue;
      out += BASE62_ALPHABET[b % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** A 32-char generated id (mesh, member, invite, presence, message, account, …). */
export const generateId = (): string => randomBase62(32);
/** An 8-char invite short code. */
export const generateShortCode = (): string => randomBase62(8);

export const isId = (s: unknown): s is string => typeof s === 'string' && ID_PATTERN.test(s);
export const isUuid = (s: unknown): s is string => typeof s === 'string' && UUID_PATTERN.test(s);

/** A lowercase UUID v4 from the CSPRNG. */
export function generateUuid(): string {
  const b = randomBytes(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = sodium().to_hex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
