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

/** One row of protocol.md §11 or invites.md §10: the contract's value and what the shared helpers computed here. */
export interface VectorResult {
  name: string;
  expected: string;
  actual: string;
  ok: boolean;
}

const seq = (from: number): string => Array.from({ length: 32 }, (_, i) => (from + i).toString(16).padStart(2, '0')).join('');
const MESH = 'A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv';
const SESSION = 'b96ddc1c-7953-499b-b19c-7f624f5dfbea';

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

  const peer = signingKeyPairFromSeed(seq(0x20));
  const owner = signingKeyPairFromSeed(seq(0x00));
  const hello = helloSigningString(MESH, peer.publicKey, SESSION, 1796119200000);
  check('peer pubkey', '29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7', () => peer.publicKey);
  check('peer x25519 pubkey (base64url)', 'VzCACrNA_LGM5REe2p1wX5E4i0HkVEy9EDullC2yIz4', () => x25519PublicKeyBase64Url(peer.publicKey));
  check(
    'hello signing string',
    `claudemesh-hello|v1|${MESH}|29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7|${SESSION}|1796119200000`,
    () => hello,
  );
  check(
    'hello signature',
    'ed255b4a15b1bc194f8196f702ac6cdde80e9402e2afe4a55c69dabd219351d2641092cca2ff1245cf46313fe8d6b5445bcc28afdd080c851bbde7dd10491701',
    () => signDetached(hello, peer.secretKey),
  );
  const rootKeyB64 = 'QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8';
  check('root key (base64url)', rootKeyB64, () => toBase64Url(fromHex(seq(0x40))));
  check('K_mc of the root key', '7656428164d17ef0dd7d96855d9fdebc3dc6e814fdd5c59486e13d4d7b622595', () =>
    toHex(multicastKey(fromBase64Url(rootKeyB64) as Uint8Array)),
  );
  const master = fromHex(seq(0x60));
  check('K_atrest', 'e10765547650b044bd85a07afeef23eb6893f73177fc8ef3950b6b3ae62afe88', () => toHex(deriveAtRestKey(master)));
  check('K_hook', '5b31272c9eaf6ad84292997d354c502062e34466e3fcf760b27859b64e9328b4', () => toHex(deriveHookKey(master)));
  check('hook token', 'cmh1.FCru3Wrq8zCnuyyCWppdyjgwLMXZZbhD.jubffWQQe_9Y8DL57DJRwY0FLbjpilxUsgylBqMtYgc', () =>
    makeHookToken('FCru3Wrq8zCnuyyCWppdyjgwLMXZZbhD', deriveHookKey(master)),
  );

  check('owner pubkey', '03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8', () => owner.publicKey);
  const v2 = inviteV2Canonical({
    meshId: MESH,
    inviteId: 'hzpu8MZRN6v2punL8ASdsA78jco40AGp',
    expiresAtUnix: 1796724000,
    role: 'member',
    ownerPubkey: owner.publicKey,
  });
  check(
    'v2 canonical',
    `v=2|${MESH}|hzpu8MZRN6v2punL8ASdsA78jco40AGp|1796724000|member|03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8`,
    () => v2,
  );
  check('v2 canonical length', '152', () => String(utf8(v2).length));
  const v2sig =
    '9bd8bc3a90bf3207f312ccd91021742eceaa8a3cca9a64f262883d4e31c7e3895d5b2f49aa827753196ced7f5e787bd649915c05218167ebc55a52fa1c80ee04';
  check('v2 signature', v2sig, () => signDetached(v2, owner.secretKey));
  check('v2 signature verifies', 'true', () => String(verifyDetached(v2, v2sig, owner.publicKey)));
  check('v2 tampered canonical is refused', 'false', () => String(verifyDetached(v2.replace('member', 'admin'), v2sig, owner.publicKey)));

  const v1 = {
    v: 1 as const,
    mesh_id: MESH,
    mesh_slug: 'platform',
    broker_url: 'https://mesh.example.com',
    expires_at: 1796724000,
    mesh_root_key: rootKeyB64,
    role: 'member' as const,
    owner_pubkey: owner.publicKey,
  };
  check(
    'v1 canonical',
    `1|${MESH}|platform|https://mesh.example.com|1796724000|${rootKeyB64}|member|03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8`,
    () => inviteV1Canonical(v1),
  );
  const token = buildInviteV1Token(v1, owner.secretKey);
  check(
    'v1 signature',
    'b349dca6e478b4a6845904ed74c69eb79fca1614ea87442b1d74154b3526f9565ee9982b966d859ba32b0701533ad89600d5526c0100d47d8a8ed3f2a9d6b00a',
    () => token.payload.signature,
  );
  check('v1 token length', '590', () => String(token.token.length));
  check('v1 token prefix', 'eyJ2IjoxLCJtZXNoX2lkIjoiQTlMQldZN3oyTUdt', () => token.token.slice(0, 40));

  const claim = claimSigningString('HXQEhdlw', x25519PublicKeyBase64Url(peer.publicKey));
  check('claim signing string', 'claudemesh-claim|v2|HXQEhdlw|VzCACrNA_LGM5REe2p1wX5E4i0HkVEy9EDullC2yIz4', () => claim);
  check(
    'claim signature',
    '0674f27ef7000aabceac965d77c3c9a214dddae2ef8ed9b7aa311809dd4e090071cd2cc7c4dd2c88466e9b290e31ebf899bac08ca383226bbc6b0e4f195bdc00',
    () => signDetached(claim, peer.secretKey),
  );
  return rows;
}
