import {
  cryptoReady,
  generateClaimKeyPair,
  generateId,
  generateSigningKeyPair,
  inviteV2Canonical,
  openSealedRootKey,
  randomRootKey,
  signDetached,
  signingKeyPairFromSeed,
  sealToX25519,
  verifyDetached,
} from '@claudemesh/shared/crypto';
import { acceptClaimResponse, verifyClaimResponse } from './verify-claim';

describe('v2 claim response verification (invites.md §4.4)', () => {
  beforeAll(() => cryptoReady());

  function makeResponse(opts: { rootKey?: Uint8Array } = {}) {
    const owner = generateSigningKeyPair();
    const claim = generateClaimKeyPair();
    const meshId = generateId();
    const rootKey = opts.rootKey ?? randomRootKey();
    const canonical = inviteV2Canonical({ meshId, inviteId: generateId(), expiresAtUnix: 1796724000, role: 'member', ownerPubkey: owner.publicKey });
    const resp = {
      sealed_root_key: sealToX25519(rootKey, claim.publicKey),
      mesh_id: meshId,
      mesh_name: 'platform',
      member_id: generateId(),
      role: 'member',
      already_member: false,
      root_key_epoch: 1,
      owner_pubkey: owner.publicKey,
      canonical_v2: canonical,
      signature: signDetached(canonical, owner.secretKey),
      broker_url: 'http://127.0.0.1:7900',
    };
    const unseal = jest.fn((sealed: string) => openSealedRootKey(sealed, claim.publicKey, claim.secretKey));
    return { resp, rootKey, unseal };
  }

  it('the invites.md §10 test vector verifies', () => {
    const owner = signingKeyPairFromSeed('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    const canonical = 'v=2|A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv|hzpu8MZRN6v2punL8ASdsA78jco40AGp|1796724000|member|03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8';
    expect(owner.publicKey).toBe('03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8');
    expect(
      verifyDetached(canonical, '9bd8bc3a90bf3207f312ccd91021742eceaa8a3cca9a64f262883d4e31c7e3895d5b2f49aa827753196ced7f5e787bd649915c05218167ebc55a52fa1c80ee04', owner.publicKey),
    ).toBe(true);
  });

  it('accepts a genuine response and unseals the exact 32-byte root key', () => {
    const { resp, rootKey, unseal } = makeResponse();
    const out = acceptClaimResponse(resp, { unseal });
    expect(Buffer.from(out.rootKey)).toEqual(Buffer.from(rootKey));
    expect(unseal).toHaveBeenCalledTimes(1);
  });

  it('C-INV-19: one changed byte of canonical_v2 is refused before unsealing', () => {
    const { resp, unseal } = makeResponse();
    // change one byte inside the invite id (structure still valid, signature no longer matches)
    const parts = resp.canonical_v2.split('|');
    parts[2] = (parts[2][0] === 'A' ? 'B' : 'A') + parts[2].slice(1);
    const tampered = { ...resp, canonical_v2: parts.join('|') };
    expect(() => acceptClaimResponse(tampered, { unseal })).toThrow(/signature does not verify.*nothing was saved/);
    expect(unseal).not.toHaveBeenCalled();
  });

  it('C-INV-19: a flipped signature is refused before unsealing', () => {
    const { resp, unseal } = makeResponse();
    const sig = (resp.signature[0] === '0' ? '1' : '0') + resp.signature.slice(1);
    expect(() => acceptClaimResponse({ ...resp, signature: sig }, { unseal })).toThrow(/signature/);
    expect(unseal).not.toHaveBeenCalled();
  });

  it('refuses a canonical that does not match the response fields, even when signed', () => {
    const { resp, unseal } = makeResponse();
    const owner = generateSigningKeyPair();
    const cases: string[] = [
      resp.canonical_v2.replace('v=2|', 'v=3|'),
      resp.canonical_v2.replace('|member|', '|admin|'),
      resp.canonical_v2 + '|extra',
      resp.canonical_v2.replace('1796724000', '17967240x0'),
    ];
    for (const c of cases) {
      const signed = { ...resp, owner_pubkey: owner.publicKey, canonical_v2: c.replace(resp.owner_pubkey, owner.publicKey), signature: '' };
      signed.signature = signDetached(signed.canonical_v2, owner.secretKey);
      expect(() => verifyClaimResponse(signed)).toThrow(/canonical_v2 does not match/);
    }
    // canonical mesh id differing from mesh_id
    const other = { ...resp, mesh_id: generateId() };
    expect(() => verifyClaimResponse(other)).toThrow(/canonical_v2 does not match/);
    expect(unseal).not.toHaveBeenCalled();
  });

  it('refuses missing or malformed fields', () => {
    const { resp } = makeResponse();
    for (const key of Object.keys(resp)) {
      const broken: Record<string, unknown> = { ...resp };
      delete broken[key];
      expect(() => verifyClaimResponse(broken)).toThrow(/malformed/);
    }
    expect(() => verifyClaimResponse({ ...resp, owner_pubkey: 'not-hex' })).toThrow(/malformed/);
    expect(() => verifyClaimResponse(null)).toThrow();
  });

  it('refuses a different owner key than the pinned one, before unsealing', () => {
    const { resp, unseal } = makeResponse();
    expect(() => acceptClaimResponse(resp, { unseal, pinnedOwnerPubkey: generateSigningKeyPair().publicKey })).toThrow(/owner key differs/);
    expect(unseal).not.toHaveBeenCalled();
  });

  it('refuses a root key that is not exactly 32 bytes', () => {
    const { resp, unseal } = makeResponse({ rootKey: new Uint8Array(31).fill(7) });
    expect(() => acceptClaimResponse(resp, { unseal })).toThrow(/32 bytes/);
  });

  it('names the orphan member when it refuses', () => {
    const { resp, unseal } = makeResponse();
    expect(() => acceptClaimResponse({ ...resp, signature: '0'.repeat(128) }, { unseal })).toThrow(new RegExp(`member ${resp.member_id}`));
  });
});
