import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { BenchReport } from './main';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs `npm run bench -- …` exactly as a user would and parses the JSON line it prints. */
function bench(args: string[]): { status: number | null; report: BenchReport; stderr: string } {
  const r = spawnSync('npm', ['run', '--silent', 'bench', '--', ...args, '--json', '--quiet'], {
    cwd: ROOT,
    env: process.env,
    encoding: 'utf8',
    timeout: 200000,
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let report: BenchReport;
  try {
    report = JSON.parse(line) as BenchReport;
  } catch {
    throw new Error(`no JSON from bench (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return { status: r.status, report, stderr: r.stderr };
}

function expectMetrics(report: BenchReport, delivered: number): void {
  const t = report.traffic!;
  expect(t).not.toBeNull();
  expect(t.offeredRate).toBeGreaterThan(0);
  expect(t.throughputMsgsPerSec).toBeGreaterThan(0);
  expect(t.deliveries).toBe(delivered);
  expect(t.deliveredPct).toBe(100);
  for (const p of [t.e2eMs, t.sendAckMs]) {
    expect(p.count).toBeGreaterThan(0);
    expect(p.p50).toBeGreaterThan(0);
    expect(p.p95!).toBeGreaterThanOrEqual(p.p50!);
    expect(p.p99!).toBeGreaterThanOrEqual(p.p95!);
    expect(p.max!).toBeGreaterThanOrEqual(p.p99!);
  }
  expect(report.serverPeakRssMb).toBeGreaterThan(10);
}

describe('bench harness (operations.md §9)', () => {
  it('C-OPS-13: --mode raw runs and prints the §9 metrics as JSON', () => {
    const { status, report } = bench(['--mode', 'raw', '--peers', '4', '--messages', '5']);
    expect(status).toBe(0);
    expect(report.mode).toBe('raw');
    expectMetrics(report, 20);
  });

  it('C-OPS-13: --mode direct runs real peers against a real server and prints the §9 metrics as JSON', () => {
    const { status, report, stderr } = bench(['--mode', 'direct', '--peers', '4', '--messages', '5']);
    expect([status, stderr.slice(-2000)]).toEqual([0, expect.any(String)]);
    expect(report.mode).toBe('direct');
    expectMetrics(report, 20);
    if (report.durableMessages !== null) expect(report.durableMessages).toBe(20);
  });
});
