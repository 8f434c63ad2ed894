import {
  cryptoReady,
  generateId,
  generateSigningKeyPair,
  helloSigningString,
  randomRootKey,
  signingKeyPairFromSeed,
  verifyDetached,
} from '@claudemesh/shared/crypto';
import type { MessageEvent } from '@claudemesh/shared/protocol';
import { backoffDelay, buildHelloAuth, decryptMessage, encryptFor, targetKind } from './index';

describe('peer SDK helpers', () => {
  beforeAll(() => cryptoReady());
  const meshId = 'A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv';

  it('backoff: 1 s doubling to 30 s with ±20 % jitter', () => {
    expect(backoffDelay(0, () => 0.5)).toBe(1000);
    expect(backoffDelay(1, () => 0.5)).toBe(2000);
    expect(backoffDelay(4, () => 0.5)).toBe(16000);
    expect(backoffDelay(5, () => 0.5)).toBe(30000);
    expect(backoffDelay(20, () => 0.5)).toBe(30000);
    expect(backoffDelay(0, () => 0)).toBe(800);
    expect(backoffDelay(0, () => 1)).toBe(1200);
    expect(backoffDelay(10, () => 1)).toBe(36000);
  });

  it('hello auth signs the exact signing string of the protocol.md §11 vector', () => {
    const seed = Array.from({ length: 32 }, (_, i) => (0x20 + i).toString(16).padStart(2, '0')).join('');
    const kp = signingKeyPairFromSeed(seed);
    const sessionId = 'b96ddc1c-7953-499b-b19c-7f624f5dfbea';
    const auth = buildHelloAuth(meshId, { pubkey: kp.publicKey, secretKey: kp.secretKey }, sessionId, { client: 'x' }, 1796119200000);
    expect(auth.signature).toBe(
      'ed255b4a15b1bc194f8196f702ac6cdde80e9402e2afe4a55c69dabd219351d2641092cca2ff1245cf46313fe8d6b5445bcc28afdd080c851bbde7dd10491701',
    );
    expect(auth).toMatchObject({ meshId, pubkey: kp.publicKey, sessionId, timestamp: 1796119200000, client: 'x' });
    const again = buildHelloAuth(meshId, { pubkey: kp.publicKey, secretKey: kp.secretKey }, sessionId, {}, 1796119200001);
    expect(again.signature).not.toBe(auth.signature);
    expect(verifyDetached(helloSigningString(meshId, kp.publicKey, sessionId, 1796119200001), again.signature, kp.publicKey)).toBe(true);
  });

  function event(over: Partial<MessageEvent>, from: string): MessageEvent {
    return {
      id: generateId(),
      seq: 1,
      meshId,
      from: { memberId: generateId(), pubkey: from, displayName: 'alice', sessionId: '2c1f0000-0000-4000-8000-000000009e0a' },
      to: '*',
      toSession: null,
      priority: 'next',
      keyEpoch: null,
      nonce: '',
      ciphertext: '',
      sentAt: new Date().toISOString(),
      attempt: 1,
      ...over,
    };
  }

  it('direct messages round-trip with crypto_box; another recipient cannot open them', () => {
    const a = generateSigningKeyPair();
    const b = generateSigningKeyPair();
    const env = encryptFor(b.publicKey, { v: 1, text: 'hello bob' }, { meshId, secretKey: a.secretKey });
    expect(env.keyEpoch).toBeUndefined();
    const m = event({ to: b.publicKey, nonce: env.nonce, ciphertext: env.ciphertext }, a.publicKey);
    expect(decryptMessage(m, b.secretKey, () => undefined).body).toEqual({ v: 1, text: 'hello bob' });
    expect(decryptMessage(m, generateSigningKeyPair().secretKey, () => undefined).body).toBeNull();
  });

  it('multicast opens with K_mc(keyEpoch), verifies the inner signature, and a flipped byte is undecryptable', () => {
    const a = generateSigningKeyPair();
    const root = randomRootKey();
    const env = encryptFor('@backend', { v: 1, text: 'hi group' }, { meshId, secretKey: a.secretKey, rootKey: { epoch: 3, key: root } });
    expect(env.keyEpoch).toBe(3);
    const m = event({ to: '@backend', keyEpoch: 3, nonce: env.nonce, ciphertext: env.ciphertext }, a.publicKey);
    const keys = (e: number) => (e === 3 ? root : undefined);
    const ok = decryptMessage(m, generateSigningKeyPair().secretKey, keys);
    expect(ok.body?.text).toBe('hi group');
    expect(ok.kind).toBe('group');
    const ct = Buffer.from(env.ciphertext, 'base64');
    ct[ct.length - 1] ^= 1;
    expect(decryptMessage({ ...m, ciphertext: ct.toString('base64') }, a.secretKey, keys).body).toBeNull();
    // a forged author (another from.pubkey) fails the inner signature
    expect(decryptMessage({ ...m, from: { ...m.from, pubkey: generateSigningKeyPair().publicKey } }, a.secretKey, keys).body).toBeNull();
    // the signature covers `to`: replaying the ciphertext to another target fails
    expect(decryptMessage({ ...m, to: '*' }, a.secretKey, keys).body).toBeNull();
    // unknown epoch
    expect(decryptMessage({ ...m, keyEpoch: 4 }, a.secretKey, keys).body).toBeNull();
  });

  it('classifies targets', () => {
    expect(targetKind('*')).toBe('broadcast');
    expect(targetKind('@ops')).toBe('group');
    expect(targetKind('@Ops')).toBeNull();
    expect(targetKind('a'.repeat(64))).toBe('direct');
    expect(targetKind('bob')).toBeNull();
  });
});

describe('CLI version comparison', () => {
  it('orders x.y.z versions', () => {
    const { compareVersions } = jest.requireActual('../version-check');
    expect(compareVersions('1.0.0', '1.0.1')).toBe(-1);
    expect(compareVersions('1.10.0', '1.9.9')).toBe(1);
    expect(compareVersions('2.0.0', '2.0.0')).toBe(0);
  });
});
