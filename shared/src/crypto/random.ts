import { sodium } from './sodium';

interface WebCryptoLike {
  getRandomValues<T extends ArrayBufferView>(a: T): T;
}

/**
 * n bytes from the platform CSPRNG (Web Crypto: Node ≥ 19 and browsers), libsodium's only as a fallback.
 * Why not `randombytes_buf`: the libsodium JS build fetches its randomness through a JS callback one small read at a
 * time, so 32 bytes cost dozens of calls into node:crypto — that was the largest CPU cost of a broker `send`.
 */
export function randomBytes(n: number): Uint8Array {
  const c = (globalThis as { crypto?: WebCryptoLike }).crypto;
  if (c && typeof c.getRandomValues === 'function') return c.getRandomValues(new Uint8Array(n));
  return sodium().randombytes_buf(n);
}
