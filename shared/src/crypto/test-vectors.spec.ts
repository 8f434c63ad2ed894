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

/** invites.md §10 and protocol.md §11 vectors, reproduced byte for byte (C-INV-1, C-GEN-3 Node side). */

const seq = (from: number): string =>
  Array.from({ length: 32 }, (_, i) => (from + i).toString(16).padStart(2, '0')).join('');

const OWNER_PK = '03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8';
const MESH = 'A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv';

beforeAll(async () => {
  await cryptoReady();
});

describe('invites.md §10 vectors', () => {
  it('C-INV-1: the v2 canonical string is 152 bytes and its signature matches the vector', () => {
    const owner = signingKeyPairFromSeed(seq(0x00));
    expect(owner.publicKey).toBe(OWNER_PK);
    const canonical = inviteV2Canonical({
      meshId: MESH,
      inviteId: 'hzpu8MZRN6v2punL8ASdsA78jco40AGp',
      expiresAtUnix: 1796724000,
      role: 'member',
      ownerPubkey: owner.publicKey,
    });
    expect(canonical).toBe(
      'v=2|A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv|hzpu8MZRN6v2punL8ASdsA78jco40AGp|1796724000|member|03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8',
    );
    expect(utf8(canonical).length).toBe(152);
    const sig = signDetached(canonical, owner.secretKey);
    expect(sig).toBe(
      '9bd8bc3a90bf3207f312ccd91021742eceaa8a3cca9a64f262883d4e31c7e3895d5b2f49aa827753196ced7f5e787bd649915c05218167ebc55a52fa1c80ee04',
    );
    expect(verifyDetached(canonical, sig, OWNER_PK)).toBe(true);
    expect(verifyDetached(canonical.replace('member', 'admin'), sig, OWNER_PK)).toBe(false);
  });

  it('C-INV-1: the v1 canonical string, signature and token prefix match the vector', () => {
    const owner = signingKeyPairFromSeed(seq(0x00));
    const rootKey = toBase64Url(fromHex(seq(0x40)));
    expect(rootKey).toBe('QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8');
    const unsigned = {
      v: 1 as const,
      mesh_id: MESH,
      mesh_slug: 'platform',
      broker_url: 'https://mesh.example.com',
      expires_at: 1796724000,
      mesh_root_key: rootKey,
      role: 'member' as const,
      owner_pubkey: owner.publicKey,
    };
    expect(inviteV1Canonical(unsigned)).toBe(
      '1|A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv|platform|https://mesh.example.com|1796724000|QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8|member|03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8',
    );
    const { token, payload } = buildInviteV1Token(unsigned, owner.secretKey);
    expect(payload.signature).toBe(
      'b349dca6e478b4a6845904ed74c69eb79fca1614ea87442b1d74154b3526f9565ee9982b966d859ba32b0701533ad89600d5526c0100d47d8a8ed3f2a9d6b00a',
    );
    expect(token).toHaveLength(590);
    expect(token.startsWith('eyJ2IjoxLCJtZXNoX2lkIjoiQTlMQldZN3oyTUdt')).toBe(true);
    expect(parseInviteV1Token(token)).toEqual(payload);
  });

  it('C-INV-1: the claim proof of the §11 peer for code HXQEhdlw matches the vector', () => {
    const peer = signingKeyPairFromSeed(seq(0x20));
    const x = x25519PublicKeyBase64Url(peer.publicKey);
    const s = claimSigningString('HXQEhdlw', x);
    expect(s).toBe('claudemesh-claim|v2|HXQEhdlw|VzCACrNA_LGM5REe2p1wX5E4i0HkVEy9EDullC2yIz4');
    expect(signDetached(s, peer.secretKey)).toBe(
      '0674f27ef7000aabceac965d77c3c9a214dddae2ef8ed9b7aa311809dd4e090071cd2cc7c4dd2c88466e9b290e31ebf899bac08ca383226bbc6b0e4f195bdc00',
    );
  });
});

describe('protocol.md §11 vectors (C-GEN-3, Node)', () => {
  it('C-GEN-3: peer key, x25519 key, hello signature', () => {
    const peer = signingKeyPairFromSeed(seq(0x20));
    expect(peer.publicKey).toBe('29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7');
    expect(x25519PublicKeyBase64Url(peer.publicKey)).toBe('VzCACrNA_LGM5REe2p1wX5E4i0HkVEy9EDullC2yIz4');
    const hello = helloSigningString(MESH, peer.publicKey, 'b96ddc1c-7953-499b-b19c-7f624f5dfbea', 1796119200000);
    expect(hello).toBe(
      'claudemesh-hello|v1|A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv|29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7|b96ddc1c-7953-499b-b19c-7f624f5dfbea|1796119200000',
    );
    expect(signDetached(hello, peer.secretKey)).toBe(
      'ed255b4a15b1bc194f8196f702ac6cdde80e9402e2afe4a55c69dabd219351d2641092cca2ff1245cf46313fe8d6b5445bcc28afdd080c851bbde7dd10491701',
    );
  });

  it('C-GEN-3: K_mc, K_atrest, K_hook and the hook token', () => {
    const root = fromBase64Url('QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8');
    expect(root).not.toBeNull();
    expect(toHex(multicastKey(root as Uint8Array))).toBe('7656428164d17ef0dd7d96855d9fdebc3dc6e814fdd5c59486e13d4d7b622595');
    const master = fromHex(seq(0x60));
    expect(toHex(deriveAtRestKey(master))).toBe('e10765547650b044bd85a07afeef23eb6893f73177fc8ef3950b6b3ae62afe88');
    const hookKey = deriveHookKey(master);
    expect(toHex(hookKey)).toBe('5b31272c9eaf6ad84292997d354c502062e34466e3fcf760b27859b64e9328b4');
    expect(makeHookToken('FCru3Wrq8zCnuyyCWppdyjgwLMXZZbhD', hookKey)).toBe(
      'cmh1.FCru3Wrq8zCnuyyCWppdyjgwLMXZZbhD.jubffWQQe_9Y8DL57DJRwY0FLbjpilxUsgylBqMtYgc',
    );
  });
});
