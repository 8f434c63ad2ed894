import { MemoryBuckets } from './token-bucket';

describe('MemoryBuckets', () => {
  it('allows the burst, refuses the next with the refill time, and refills continuously', () => {
    let now = 1_000_000;
    const b = new MemoryBuckets(() => now);
    for (let i = 0; i < 20; i++) expect(b.consume('ip:1', 20, 20).ok).toBe(true);
    const refused = b.consume('ip:1', 20, 20);
    expect(refused.ok).toBe(false);
    expect(refused.retryAfterMs).toBe(3000);
    expect(b.consume('ip:2', 20, 20).ok).toBe(true);
    now += 3000;
    expect(b.consume('ip:1', 20, 20).ok).toBe(true);
    expect(b.consume('ip:1', 20, 20).ok).toBe(false);
  });
});
