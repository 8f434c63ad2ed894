/**
 * The recorded bench suite (docs/performance.md): each scenario `repeat` times, medians, and the ratio to the matching
 * raw run. Usage: npm run bench -- suite [--repeat 3] [--only name,name] [--out file.json]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, type BenchArgs } from './args';
import { runBench, type BenchReport } from './main';
import { median, round } from './stats';
import { ROOT } from './server-process';

interface Scenario {
  name: string;
  args: string[];
  /** Name of the raw scenario this one is compared with. */
  rawOf?: string;
  repeat?: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'raw-direct', args: ['--mode', 'raw', '--peers', '100', '--messages', '100'] },
  { name: 'direct', args: ['--mode', 'direct', '--peers', '100', '--messages', '100'], rawOf: 'raw-direct' },
  { name: 'raw-broadcast', args: ['--mode', 'raw', '--raw-pattern', 'broadcast', '--peers', '20', '--messages', '50'] },
  { name: 'broadcast', args: ['--mode', 'broadcast', '--peers', '20', '--messages', '50'], rawOf: 'raw-broadcast' },
  { name: 'raw-rate-2000', args: ['--mode', 'raw', '--peers', '100', '--messages', '100', '--rate', '2000'] },
  { name: 'direct-rate-2000', args: ['--mode', 'direct', '--peers', '100', '--messages', '100', '--rate', '2000'], rawOf: 'raw-rate-2000' },
  { name: 'direct-rate-200', args: ['--mode', 'direct', '--peers', '100', '--messages', '30', '--rate', '200'] },
  { name: 'direct-rate-500', args: ['--mode', 'direct', '--peers', '100', '--messages', '50', '--rate', '500'] },
  { name: 'direct-rate-1000', args: ['--mode', 'direct', '--peers', '100', '--messages', '100', '--rate', '1000'] },
  { name: 'direct-1000x100', args: ['--mode', 'direct', '--peers', '1000', '--messages', '100', '--window', '1', '--drain-timeout', '120'], repeat: 1 },
  { name: 'raw-idle-10000', args: ['--mode', 'raw', '--peers', '10000', '--meshes', '10', '--idle-seconds', '10', '--connect-concurrency', '200'], repeat: 1 },
  {
    name: 'idle-10000',
    args: ['--mode', 'direct', '--peers', '10000', '--meshes', '10', '--idle-seconds', '10', '--connect-concurrency', '100'],
    rawOf: 'raw-idle-10000',
    repeat: 1,
  },
];

interface Summary {
  name: string;
  runs: number;
  throughput: number | null;
  deliveriesPerSec: number | null;
  offered: number | null;
  deliveredPct: number | null;
  e2eP50: number | null;
  e2eP95: number | null;
  e2eP99: number | null;
  e2eMax: number | null;
  ackP50: number | null;
  ackP99: number | null;
  peakRssMb: number | null;
  serverCpu: number | null;
  pgCpu: number | null;
  benchCpu: number | null;
  wall: number | null;
  ratioToRaw: number | null;
  loadavg: number | null;
}

function summarise(name: string, reports: BenchReport[]): Summary {
  const m = (f: (r: BenchReport) => number | null | undefined) => {
    const xs = reports.map(f).filter((x): x is number => typeof x === 'number');
    const v = median(xs);
    return v === null ? null : round(v, 2);
  };
  return {
    name,
    runs: reports.length,
    throughput: m((r) => r.traffic?.throughputMsgsPerSec),
    deliveriesPerSec: m((r) => r.traffic?.throughputDeliveriesPerSec),
    offered: m((r) => r.traffic?.offeredRate),
    deliveredPct: m((r) => r.traffic?.deliveredPct),
    e2eP50: m((r) => r.traffic?.e2eMs.p50),
    e2eP95: m((r) => r.traffic?.e2eMs.p95),
    e2eP99: m((r) => r.traffic?.e2eMs.p99),
    e2eMax: m((r) => r.traffic?.e2eMs.max),
    ackP50: m((r) => r.traffic?.sendAckMs.p50),
    ackP99: m((r) => r.traffic?.sendAckMs.p99),
    peakRssMb: m((r) => r.serverPeakRssMb),
    serverCpu: m((r) => r.cpuSeconds.server),
    pgCpu: m((r) => r.cpuSeconds.postgres),
    benchCpu: m((r) => r.cpuSeconds.harness),
    wall: m((r) => r.cpuSeconds.wall),
    ratioToRaw: null,
    loadavg: m((r) => r.machine.loadavg1m),
  };
}

export async function runSuite(argv: string[]): Promise<void> {
  const repeat = Number(argv[argv.indexOf('--repeat') + 1] || 3) || 3;
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',') : null;
  const out = argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : path.join(ROOT, 'bench/results', `suite-${Date.now()}.json`);
  const all: Record<string, BenchReport[]> = {};
  for (const s of SCENARIOS) {
    if (only && !only.includes(s.name)) continue;
    all[s.name] = [];
    for (let i = 0; i < (s.repeat ?? repeat); i++) {
      const args: BenchArgs = parseArgs([...s.args, '--quiet']);
      process.stderr.write(`[suite] ${s.name} run ${i + 1}\n`);
      try {
        all[s.name].push(await runBench(args));
      } catch (e) {
        process.stderr.write(`[suite] ${s.name} failed: ${(e as Error).message}\n`);
      }
      mkdirSync(path.dirname(out), { recursive: true });
      writeFileSync(out, JSON.stringify(all, null, 1));
    }
  }
  const summaries = Object.entries(all).map(([name, reports]) => summarise(name, reports));
  for (const s of summaries) {
    const raw = SCENARIOS.find((x) => x.name === s.name)?.rawOf;
    const base = summaries.find((x) => x.name === raw);
    if (base?.throughput && s.throughput) s.ratioToRaw = round(s.throughput / base.throughput, 3);
    else if (base?.peakRssMb && s.peakRssMb && s.name.startsWith('idle')) s.ratioToRaw = round(s.peakRssMb / base.peakRssMb, 2);
  }
  const cols: (keyof Summary)[] = ['name', 'runs', 'offered', 'throughput', 'deliveriesPerSec', 'ratioToRaw', 'deliveredPct', 'e2eP50', 'e2eP95', 'e2eP99', 'e2eMax', 'ackP50', 'ackP99', 'peakRssMb', 'serverCpu', 'pgCpu', 'benchCpu', 'wall', 'loadavg'];
  const lines = [`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`, ...summaries.map((s) => `| ${cols.map((c) => s[c] ?? '–').join(' | ')} |`)];
  writeFileSync(out, JSON.stringify({ runs: all, summaries }, null, 1));
  process.stdout.write(`${lines.join('\n')}\n\nfull results: ${out}\n`);
}
