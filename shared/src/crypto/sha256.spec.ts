import { createHash, randomBytes } from 'node:crypto';
import { sha256 } from './sha256';
import { cryptoReady } from './sodium';
import { constantTimeEqual, sha256Hex } from './encoding';

describe('sha256 (@noble/hashes)', () => {
  it('matches the FIPS 180-4 "abc" vector and node:crypto for lengths 0..200 and 1 MB', async () => {
    await cryptoReady();
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    for (let n = 0; n <= 200; n++) {
      const b = randomBytes(n);
      expect(Buffer.from(sha256(b)).toString('hex')).toBe(createHash('sha256').update(b).digest('hex'));
    }
    const big = randomBytes(1_000_003);
    expect(Buffer.from(sha256(big)).toString('hex')).toBe(createHash('sha256').update(big).digest('hex'));
  });
});

describe('constantTimeEqual', () => {
  beforeAll(async () => {
    await cryptoReady();
  });
  it('is true for equal strings only, whatever their lengths', () => {
    expect(constantTimeEqual('cmpat_abc', 'cmpat_abc')).toBe(true);
    expect(constantTimeEqual('cmpat_abc', 'cmpat_abd')).toBe(false);
    expect(constantTimeEqual('cmpat_abc', 'cmpat_ab')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual('', 'x')).toBe(false);
  });
});
