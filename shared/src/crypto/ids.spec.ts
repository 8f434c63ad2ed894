import { BASE62_ALPHABET, generateId, ID_PATTERN, randomBase62 } from './ids';
import { cryptoReady, sodium } from './sodium';
import { slugify } from './slug';

/**
 * protocol.md §1: ids are 32 base62 chars from the CSPRNG by rejection sampling (C-PROTO-1), and the
 * display slug of a mesh name (C-PROTO-2).
 */

beforeAll(async () => {
  await cryptoReady();
});

/** ln Γ(z) by the Lanczos approximation (g = 7, n = 9); accurate to ~1e-15 for z > 0. */
function lnGamma(z: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - lnGamma(1 - z);
  z -= 1;
  let x = c[0];
  for (let i = 1; i < 9; i++) x += c[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(x);
}

/** Upper regularized incomplete gamma Q(a, x) (series below a+1, Lentz continued fraction above). */
function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const lead = -x + a * Math.log(x) - lnGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return 1 - sum * Math.exp(lead);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.exp(lead) * h;
}

/** χ² statistic of the character counts against the uniform distribution over the 62 base62 symbols. */
function chiSquare(text: string): { stat: number; df: number; p: number } {
  const counts = new Map<string, number>();
  for (const ch of BASE62_ALPHABET) counts.set(ch, 0);
  for (const ch of text) {
    const n = counts.get(ch);
    if (n === undefined) throw new Error(`not base62: ${JSON.stringify(ch)}`);
    counts.set(ch, n + 1);
  }
  const expected = text.length / 62;
  let stat = 0;
  for (const n of counts.values()) stat += (n - expected) ** 2 / expected;
  const df = 61;
  return { stat, df, p: gammaQ(df / 2, stat / 2) };
}

/** 1 000 000 chars from a generator of 32-char strings. */
const million = (gen: () => string): string => {
  const parts: string[] = [];
  for (let i = 0; i < 1_000_000 / 32; i++) parts.push(gen());
  return parts.join('');
};

/** The textbook mistake the spec forbids: `byte % 62` without rejection (bytes 0..7 of the residues are favoured). */
const biasedId = (): string => {
  const buf = sodium().randombytes_buf(32);
  let out = '';
  for (const b of buf) out += BASE62_ALPHABET[b % 62];
  return out;
};

describe('ids (protocol.md §1)', () => {
  it('C-PROTO-1: the χ² helper agrees with known values (critical value 100.888 for 61 df at p = 0.001)', () => {
    expect(gammaQ(61 / 2, 100.8878853 / 2)).toBeCloseTo(0.001, 6);
    expect(gammaQ(61 / 2, 61 / 2)).toBeGreaterThan(0.4); // the mean of χ²(61) sits near the median
    expect(gammaQ(1, 3)).toBeCloseTo(Math.exp(-3), 12); // Q(1, x) = e^-x
    expect(gammaQ(61 / 2, 200 / 2)).toBeLessThan(1e-9);
  });

  it('C-PROTO-1: 10 000 generated ids are each 32 chars of [0-9A-Za-z], and distinct', () => {
    const ids = Array.from({ length: 10_000 }, () => generateId());
    for (const id of ids) {
      expect(id).toHaveLength(32);
      expect(id).toMatch(/^[0-9A-Za-z]{32}$/);
      expect(ID_PATTERN.test(id)).toBe(true);
    }
    expect(new Set(ids).size).toBe(10_000);
    expect(randomBase62(8)).toMatch(/^[0-9A-Za-z]{8}$/);
  });

  it('C-PROTO-1: a χ² test over 1 000 000 generated characters shows no bias (p > 0.001)', () => {
    const { stat, p } = chiSquare(million(generateId));
    expect(stat).toBeLessThan(100.888);
    expect(p).toBeGreaterThan(0.001);
  });

  it('C-PROTO-1: the same χ² test catches a modulo-biased generator (p < 0.001), so it can fail', () => {
    const { stat, p } = chiSquare(million(biasedId));
    expect(stat).toBeGreaterThan(100.888);
    expect(p).toBeLessThan(0.001);
  });
});

describe('slug (protocol.md §1)', () => {
  it('C-PROTO-2: "Platform Team" → platform-team; "日本語" → mesh; 60-char names give ≤ 40 chars with no trailing "-"', () => {
    expect(slugify('Platform Team')).toBe('platform-team');
    expect(slugify('日本語')).toBe('mesh');
    // The 40th char would be the '-' between the words: it must be cut, not kept.
    const cutAtDash = `${'a'.repeat(39)} ${'b'.repeat(20)}`;
    expect(cutAtDash).toHaveLength(60);
    expect(slugify(cutAtDash)).toBe('a'.repeat(39));
    const names = [
      'x'.repeat(60),
      'Platform Team '.repeat(5).slice(0, 60),
      'a-b '.repeat(15),
      `${'Ü'.repeat(30)}${'z'.repeat(30)}`,
      '-'.repeat(20) + 'Backend Services Deployment Team Alpha!!',
    ];
    for (const name of names) {
      expect(name).toHaveLength(60);
      const s = slugify(name);
      expect(s.length).toBeLessThanOrEqual(40);
      expect(s.length).toBeGreaterThan(0);
      expect(s.endsWith('-')).toBe(false);
      expect(s).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$|^mesh$/);
    }
    expect(slugify('x'.repeat(60))).toBe('x'.repeat(40));
  });
});
