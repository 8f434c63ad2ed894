/**
 * The contract's crypto test vectors (protocol.md §11, invites.md §10): inputs and expected outputs, data only.
 * Used by the shared unit spec (Node) and the web self-test (browser bundle, C-GEN-3). Deliberately NOT exported
 * from the crypto barrel, so production bundles do not carry it: import it by path.
 */
export const CRYPTO_VECTORS = {
  // inputs
  /** Owner ed25519 seed: bytes 0x00..0x1f. */
  ownerSeedHex: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
  /** Peer ed25519 seed: bytes 0x20..0x3f. */
  peerSeedHex: '202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f',
  /** Root key: bytes 0x40..0x5f. */
  rootKeyHex: '404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f',
  /** Master key (SERVER_SECRET): bytes 0x60..0x7f. */
  masterKeyHex: '606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f',
  meshId: 'A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv',
  meshSlug: 'platform',
  brokerUrl: 'https://mesh.example.com',
  inviteId: 'hzpu8MZRN6v2punL8ASdsA78jco40AGp',
  expiresAtUnix: 1796724000,
  role: 'member',
  sessionId: 'b96ddc1c-7953-499b-b19c-7f624f5dfbea',
  helloTimestampMs: 1796119200000,
  shortCode: 'HXQEhdlw',
  presenceId: 'FCru3Wrq8zCnuyyCWppdyjgwLMXZZbhD',

  // outputs
  ownerPubkey: '03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8',
  peerPubkey: '29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7',
  peerX25519Base64Url: 'VzCACrNA_LGM5REe2p1wX5E4i0HkVEy9EDullC2yIz4',
  helloSigningString:
    'claudemesh-hello|v1|A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv|29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7|b96ddc1c-7953-499b-b19c-7f624f5dfbea|1796119200000',
  helloSignature:
    'ed255b4a15b1bc194f8196f702ac6cdde80e9402e2afe4a55c69dabd219351d2641092cca2ff1245cf46313fe8d6b5445bcc28afdd080c851bbde7dd10491701',
  rootKeyBase64Url: 'QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8',
  multicastKeyHex: '7656428164d17ef0dd7d96855d9fdebc3dc6e814fdd5c59486e13d4d7b622595',
  atRestKeyHex: 'e10765547650b044bd85a07afeef23eb6893f73177fc8ef3950b6b3ae62afe88',
  hookKeyHex: '5b31272c9eaf6ad84292997d354c502062e34466e3fcf760b27859b64e9328b4',
  hookToken: 'cmh1.FCru3Wrq8zCnuyyCWppdyjgwLMXZZbhD.jubffWQQe_9Y8DL57DJRwY0FLbjpilxUsgylBqMtYgc',
  v2Canonical:
    'v=2|A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv|hzpu8MZRN6v2punL8ASdsA78jco40AGp|1796724000|member|03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8',
  v2CanonicalBytes: 152,
  v2Signature:
    '9bd8bc3a90bf3207f312ccd91021742eceaa8a3cca9a64f262883d4e31c7e3895d5b2f49aa827753196ced7f5e787bd649915c05218167ebc55a52fa1c80ee04',
  v1Canonical:
    '1|A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv|platform|https://mesh.example.com|1796724000|QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8|member|03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8',
  v1Signature:
    'b349dca6e478b4a6845904ed74c69eb79fca1614ea87442b1d74154b3526f9565ee9982b966d859ba32b0701533ad89600d5526c0100d47d8a8ed3f2a9d6b00a',
  v1TokenLength: 590,
  v1TokenPrefix: 'eyJ2IjoxLCJtZXNoX2lkIjoiQTlMQldZN3oyTUdt',
  claimSigningString: 'claudemesh-claim|v2|HXQEhdlw|VzCACrNA_LGM5REe2p1wX5E4i0HkVEy9EDullC2yIz4',
  claimSignature:
    '0674f27ef7000aabceac965d77c3c9a214dddae2ef8ed9b7aa311809dd4e090071cd2cc7c4dd2c88466e9b290e31ebf899bac08ca383226bbc6b0e4f195bdc00',
} as const;
