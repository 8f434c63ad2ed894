import { createHash, randomBytes } from 'node:crypto';
import { sha256 } from './sha256';
import { cryptoReady } from './sodium';
import { sha256Hex } from './encoding';

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
