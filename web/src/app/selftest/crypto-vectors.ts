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
  signDetached,
  signingKeyPairFromSeed,
  toBase64Url,
  toHex,
  utf8,
  verifyDetached,
  x25519PublicKeyBase64Url,
} from '@claudemesh/shared/crypto';
// Data only, deep-imported so that it stays out of the crypto barrel (and out of bundles that do not run the self-test).
import { CRYPTO_VECTORS as V } from '@claudemesh/shared/crypto/test-vectors';

/** One row of protocol.md §11 or invites.md §10: the contract's value and what the shared helpers computed here. */
export interface VectorResult {
  name: string;
  expected: string;
  actual: string;
  ok: boolean;
}

/** Runs every vector with the shared/ helpers in whatever JS engine loads this bundle (C-GEN-3). */
export async function runCryptoVectors(): Promise<VectorResult[]> {
  await cryptoReady();
  const rows: VectorResult[] = [];
  const check = (name: string, expected: string, actual: () => string): void => {
    let value: string;
    try {
      value = actual();
    } catch (e) {
      value = `error: ${e instanceof Error ? e.message : String(e)}`;
    }
    rows.push({ name, expected, actual: value, ok: value === expected });
  };

  const peer = signingKeyPairFromSeed(V.peerSeedHex);
  const owner = signingKeyPairFromSeed(V.ownerSeedHex);
  const hello = helloSigningString(V.meshId, peer.publicKey, V.sessionId, V.helloTimestampMs);
  check('peer pubkey', V.peerPubkey, () => peer.publicKey);
  check('peer x25519 pubkey (base64url)', V.peerX25519Base64Url, () => x25519PublicKeyBase64Url(peer.publicKey));
  check('hello signing string', V.helloSigningString, () => hello);
  check('hello signature', V.helloSignature, () => signDetached(hello, peer.secretKey));
  check('root key (base64url)', V.rootKeyBase64Url, () => toBase64Url(fromHex(V.rootKeyHex)));
  check('K_mc of the root key', V.multicastKeyHex, () => toHex(multicastKey(fromBase64Url(V.rootKeyBase64Url) as Uint8Array)));
  const master = fromHex(V.masterKeyHex);
  check('K_atrest', V.atRestKeyHex, () => toHex(deriveAtRestKey(master)));
  check('K_hook', V.hookKeyHex, () => toHex(deriveHookKey(master)));
  check('hook token', V.hookToken, () => makeHookToken(V.presenceId, deriveHookKey(master)));

  check('owner pubkey', V.ownerPubkey, () => owner.publicKey);
  const v2 = inviteV2Canonical({
    meshId: V.meshId,
    inviteId: V.inviteId,
    expiresAtUnix: V.expiresAtUnix,
    role: V.role,
    ownerPubkey: owner.publicKey,
  });
  check('v2 canonical', V.v2Canonical, () => v2);
  check('v2 canonical length', String(V.v2CanonicalBytes), () => String(utf8(v2).length));
  check('v2 signature', V.v2Signature, () => signDetached(v2, owner.secretKey));
  check('v2 signature verifies', 'true', () => String(verifyDetached(v2, V.v2Signature, owner.publicKey)));
  check('v2 tampered canonical is refused', 'false', () => String(verifyDetached(v2.replace('member', 'admin'), V.v2Signature, owner.publicKey)));

  const v1 = {
    v: 1 as const,
    mesh_id: V.meshId,
    mesh_slug: V.meshSlug,
    broker_url: V.brokerUrl,
    expires_at: V.expiresAtUnix,
    mesh_root_key: V.rootKeyBase64Url,
    role: V.role,
    owner_pubkey: owner.publicKey,
  };
  check('v1 canonical', V.v1Canonical, () => inviteV1Canonical(v1));
  const token = buildInviteV1Token(v1, owner.secretKey);
  check('v1 signature', V.v1Signature, () => token.payload.signature);
  check('v1 token length', String(V.v1TokenLength), () => String(token.token.length));
  check('v1 token prefix', V.v1TokenPrefix, () => token.token.slice(0, V.v1TokenPrefix.length));

  const claim = claimSigningString(V.shortCode, x25519PublicKeyBase64Url(peer.publicKey));
  check('claim signing string', V.claimSigningString, () => claim);
  check('claim signature', V.claimSignature, () => signDetached(claim, peer.secretKey));
  return rows;
}
