/** Latency samples in milliseconds, summarised as the percentiles the report needs. */
export interface Percentiles {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export class LatencyRecorder {
  private samples: number[] = [];

  add(ms: number): void {
    this.samples.push(ms);
  }

  get count(): number {
    return this.samples.length;
  }

  summary(): Percentiles {
    const s = Float64Array.from(this.samples).sort();
    const pick = (q: number): number | null => (s.length ? round(s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]) : null);
    return { count: s.length, p50: pick(0.5), p95: pick(0.95), p99: pick(0.99), max: s.length ? round(s[s.length - 1]) : null };
  }
}

export const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Wall-clock milliseconds with sub-ms resolution; all peers live in this process, so one clock serves both ends. */
export const nowMs = (): number => performance.timeOrigin + performance.now();

export function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
