/**
 * SHA-256 for token hashes, content hashes and the audit chain. The standard libsodium-wrappers build has no
 * crypto_hash_sha256, and shared/ must hash synchronously in Node and in the browser alike, so this is @noble/hashes
 * (audited, dependency-free), not a hand-rolled implementation.
 */
export { sha256 } from '@noble/hashes/sha256';
