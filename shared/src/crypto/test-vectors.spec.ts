import {
  buildInviteV1Token,
  claimSigningString,
  cryptoReady,
  deriveAtRestKey,
  deriveHookKey,
  fromBase64Url,
  fromHex,
  helloSigningString,
  inviteV1Canonical,
  inviteV2Canonical,
  makeHookToken,
  multicastKey,
  parseInviteV1Token,
  signDetached,
  signingKeyPairFromSeed,
  toBase64Url,
  toHex,
  utf8,
  verifyDetached,
  x25519PublicKeyBase64Url,
} from './index';
import { CRYPTO_VECTORS as V } from './test-vectors';

/** invites.md §10 and protocol.md §11 vectors, reproduced byte for byte (C-INV-1, C-GEN-3 Node side). */

beforeAll(async () => {
  await cryptoReady();
});

describe('invites.md §10 vectors', () => {
  it('C-INV-1: the v2 canonical string is 152 bytes and its signature matches the vector', () => {
    const owner = signingKeyPairFromSeed(V.ownerSeedHex);
    expect(owner.publicKey).toBe(V.ownerPubkey);
    const canonical = inviteV2Canonical({
      meshId: V.meshId,
      inviteId: V.inviteId,
      expiresAtUnix: V.expiresAtUnix,
      role: V.role,
      ownerPubkey: owner.publicKey,
    });
    expect(canonical).toBe(V.v2Canonical);
    expect(utf8(canonical).length).toBe(V.v2CanonicalBytes);
    const sig = signDetached(canonical, owner.secretKey);
    expect(sig).toBe(V.v2Signature);
    expect(verifyDetached(canonical, sig, V.ownerPubkey)).toBe(true);
    expect(verifyDetached(canonical.replace('member', 'admin'), sig, V.ownerPubkey)).toBe(false);
  });

  it('C-INV-1: the v1 canonical string, signature and token prefix match the vector', () => {
    const owner = signingKeyPairFromSeed(V.ownerSeedHex);
    const rootKey = toBase64Url(fromHex(V.rootKeyHex));
    expect(rootKey).toBe(V.rootKeyBase64Url);
    const unsigned = {
      v: 1 as const,
      mesh_id: V.meshId,
      mesh_slug: V.meshSlug,
      broker_url: V.brokerUrl,
      expires_at: V.expiresAtUnix,
      mesh_root_key: rootKey,
      role: V.role,
      owner_pubkey: owner.publicKey,
    };
    expect(inviteV1Canonical(unsigned)).toBe(V.v1Canonical);
    const { token, payload } = buildInviteV1Token(unsigned, owner.secretKey);
    expect(payload.signature).toBe(V.v1Signature);
    expect(token).toHaveLength(V.v1TokenLength);
    expect(token.startsWith(V.v1TokenPrefix)).toBe(true);
    expect(parseInviteV1Token(token)).toEqual(payload);
  });

  it('C-INV-1: the claim proof of the §11 peer for code HXQEhdlw matches the vector', () => {
    const peer = signingKeyPairFromSeed(V.peerSeedHex);
    const x = x25519PublicKeyBase64Url(peer.publicKey);
    const s = claimSigningString(V.shortCode, x);
    expect(s).toBe(V.claimSigningString);
    expect(signDetached(s, peer.secretKey)).toBe(V.claimSignature);
  });
});

describe('protocol.md §11 vectors (C-GEN-3, Node)', () => {
  it('C-GEN-3: peer key, x25519 key, hello signature', () => {
    const peer = signingKeyPairFromSeed(V.peerSeedHex);
    expect(peer.publicKey).toBe(V.peerPubkey);
    expect(x25519PublicKeyBase64Url(peer.publicKey)).toBe(V.peerX25519Base64Url);
    const hello = helloSigningString(V.meshId, peer.publicKey, V.sessionId, V.helloTimestampMs);
    expect(hello).toBe(V.helloSigningString);
    expect(signDetached(hello, peer.secretKey)).toBe(V.helloSignature);
  });

  it('C-GEN-3: K_mc, K_atrest, K_hook and the hook token', () => {
    const root = fromBase64Url(V.rootKeyBase64Url);
    expect(root).not.toBeNull();
    expect(toHex(multicastKey(root as Uint8Array))).toBe(V.multicastKeyHex);
    const master = fromHex(V.masterKeyHex);
    expect(toHex(deriveAtRestKey(master))).toBe(V.atRestKeyHex);
    const hookKey = deriveHookKey(master);
    expect(toHex(hookKey)).toBe(V.hookKeyHex);
    expect(makeHookToken(V.presenceId, hookKey)).toBe(V.hookToken);
  });

  it('C-GEN-3: the vector inputs are the byte sequences the contract names (0x00.., 0x20.., 0x40.., 0x60..)', () => {
    const seq = (from: number): string => Array.from({ length: 32 }, (_, i) => (from + i).toString(16).padStart(2, '0')).join('');
    expect([V.ownerSeedHex, V.peerSeedHex, V.rootKeyHex, V.masterKeyHex]).toEqual([seq(0x00), seq(0x20), seq(0x40), seq(0x60)]);
  });
});
