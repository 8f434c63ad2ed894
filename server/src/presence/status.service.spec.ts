import { statusApplies } from './status.service';

describe('status precedence (protocol.md §8)', () => {
  const now = Date.parse('2026-12-01T10:00:00.000Z');
  const at = (msAgo: number) => new Date(now - msAgo);
  const cur = (status: 'idle' | 'working' | 'dnd', source: 'hook' | 'manual' | 'inferred', msAgo = 0) => ({ status, source, updatedAt: at(msAgo) });

  it('C-PROTO-21: dnd is left only by manual; hooks never leave it, even when stale', () => {
    expect(statusApplies(cur('dnd', 'manual'), 'idle', 'hook', now, 30)).toBe(false);
    expect(statusApplies(cur('dnd', 'manual', 3_600_000), 'working', 'hook', now, 30)).toBe(false);
    expect(statusApplies(cur('dnd', 'manual'), 'idle', 'manual', now, 30)).toBe(true);
  });

  it('manual dnd always applies', () => {
    expect(statusApplies(cur('working', 'hook'), 'dnd', 'manual', now, 30)).toBe(true);
    expect(statusApplies(cur('working', 'hook'), 'dnd', 'hook', now, 30)).toBe(true);
  });

  it('C-PROTO-22: rank ≥ current applies; lower rank only after the fresh window (the exact bound does not)', () => {
    expect(statusApplies(cur('working', 'hook', 5000), 'idle', 'manual', now, 30)).toBe(false);
    expect(statusApplies(cur('working', 'hook', 30_000), 'idle', 'manual', now, 30)).toBe(false);
    expect(statusApplies(cur('working', 'hook', 31_000), 'idle', 'manual', now, 30)).toBe(true);
    expect(statusApplies(cur('idle', 'inferred'), 'working', 'manual', now, 30)).toBe(true);
    expect(statusApplies(cur('idle', 'manual'), 'working', 'hook', now, 30)).toBe(true);
    expect(statusApplies(cur('working', 'hook'), 'working', 'hook', now, 30)).toBe(true);
  });
});
