/**
 * claudemesh capacity bench (operations.md §9). `npm run bench -- --peers N --messages M --mode direct|broadcast|raw
 * [--rate R] [--json]`. Starts a real server on a fresh database (or the raw relay), creates a mesh and N members
 * through the REST API, connects N real peers, sends, receives, acks, and reports as a table and as JSON.
 */
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { cryptoReady } from '@claudemesh/shared/crypto';
import { parseArgs, type BenchArgs } from './args';
import { MeshBenchPeer, RawBenchPeer, type BenchPeer } from './peers';
import { startRawRelay, startServer, type BenchProcess } from './server-process';
import { startServerCluster, type BenchCluster } from './cluster-process';
import { countMessages, createBenchMeshes } from './setup';
import { nowMs, round } from './stats';
import { DeliveryTracker, runTraffic, type TrafficResult } from './traffic';

export interface BenchReport {
  mode: BenchArgs['mode'];
  pattern: 'direct' | 'broadcast';
  peers: number;
  meshes: number;
  messagesPerPeer: number;
  /** Server processes (--nodes); serverPeakRssMb is their sum, nodePeakRssMb each one's (null for one node). */
  nodes: number;
  nodePeakRssMb: number[] | null;
  rateTarget: number | null;
  database: 'private embedded PostgreSQL' | 'DATABASE_URL server' | null;
  window: number | null;
  sizeBytes: number;
  connectSeconds: number;
  setupSeconds: number | null;
  traffic: TrafficResult | null;
  idle: {
    seconds: number;
    connected: number;
    rssMbAfterConnect: number;
    /** The server's own view after the hold (/metrics process metrics): live heap vs what the process keeps. */
    serverMemoryMb: { rss: number; heapUsed: number; heapTotal: number; external: number } | null;
    serverNodeOptions: string | null;
  } | null;
  durableMessages: number | null;
  serverPeakRssMb: number;
  harnessPeakRssMb: number;
  /** CPU seconds used during the measured phase (traffic or idle hold), server process and bench process. */
  cpuSeconds: { server: number; harness: number; postgres: number | null; wall: number };
  /** Event-loop delay of the bench process during the measured phase: high values mean the harness, not the server, limited the run. */
  harnessLoopDelayMs: { p50: number; p99: number; max: number };
  machine: { cpus: number; loadavg1m: number; node: string };
  startedAt: string;
}

/** Reads the server's process metrics (prom-client defaults, prefixed claudemesh_). */
async function serverMemory(baseUrl: string): Promise<{ rss: number; heapUsed: number; heapTotal: number; external: number } | null> {
  try {
    const text = await (await fetch(`${baseUrl}/metrics`)).text();
    const metric = (name: string) => {
      const m = new RegExp(`^claudemesh_${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
      return m ? round(Number(m[1]) / 1048576, 1) : NaN;
    };
    return {
      rss: metric('process_resident_memory_bytes'),
      heapUsed: metric('nodejs_heap_size_used_bytes'),
      heapTotal: metric('nodejs_heap_size_total_bytes'),
      external: metric('nodejs_external_memory_bytes'),
    };
  } catch {
    return null;
  }
}

async function connectAll(peers: BenchPeer[], concurrency: number, log: (s: string) => void): Promise<void> {
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, peers.length) }, async () => {
      while (next < peers.length) {
        const p = peers[next++];
        await p.connect();
        done += 1;
        if (done % 1000 === 0) log(`connected ${done}/${peers.length}`);
      }
    }),
  );
}

async function closeAll(peers: BenchPeer[]): Promise<void> {
  for (let i = 0; i < peers.length; i += 200) await Promise.all(peers.slice(i, i + 200).map((p) => p.close().catch(() => undefined)));
}

export async function runBench(args: BenchArgs): Promise<BenchReport> {
  const log = (s: string) => {
    if (!args.quiet) process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
  };
  await cryptoReady();
  const startedAt = new Date().toISOString();
  const runId = randomBytes(6).toString('hex');
  const tracker = new DeliveryTracker(runId);
  const pattern = args.mode === 'raw' ? args.rawPattern : args.mode;
  let proc: BenchProcess | null = null;
  let peers: BenchPeer[] = [];
  let harnessPeak = 0;
  const harnessSampler = setInterval(() => (harnessPeak = Math.max(harnessPeak, process.memoryUsage().rss)), 500);
  try {
    let setupSeconds: number | null = null;
    let meshIds: string[] = [];
    let groupOf: number[] = Array.from({ length: args.peers }, () => 0);
    if (args.mode === 'raw') {
      proc = await startRawRelay();
      log(`raw relay at ${proc.baseUrl} (pid ${proc.pid})`);
      groupOf = Array.from({ length: args.peers }, (_, i) => i % args.meshes);
      peers = Array.from({ length: args.peers }, (_, i) => new RawBenchPeer(i, proc!.baseUrl, tracker.onReceive, groupOf[i]));
    } else {
      proc = args.nodes > 1 ? await startServerCluster(args.peers, args.nodes, args.privatePg, log) : await startServer(args.peers, args.privatePg, log);
      log(`server at ${proc.baseUrl} (pid ${proc.pid})`);
      const t0 = nowMs();
      const created = await createBenchMeshes(proc.baseUrl, proc.setupToken, args.peers, args.meshes, log);
      setupSeconds = round((nowMs() - t0) / 1000, 2);
      meshIds = created.meshes.map((m) => m.meshId);
      groupOf = created.memberOf;
      log(`${meshIds.length} mesh(es) with ${args.peers} members in ${setupSeconds} s`);
      peers = created.members.map(
        (m, i) =>
          new MeshBenchPeer(
            i,
            { serverUrl: (proc as Partial<BenchCluster>).urls?.[i % args.nodes] ?? proc!.baseUrl, meshId: meshIds[groupOf[i]], pubkey: m.pubkey, secretKey: m.secretKey, rootKeys: { [m.rootKeyEpoch]: m.rootKey } },
            tracker.onReceive,
          ),
      );
    }
    const c0 = nowMs();
    await connectAll(peers, args.connectConcurrency, log);
    const connectSeconds = round((nowMs() - c0) / 1000, 2);
    log(`${peers.length} peers connected in ${connectSeconds} s; server RSS ${round(proc.currentRssMb(), 1)} MiB`);

    const cpu0 = { server: proc.cpuSeconds(), harness: process.cpuUsage(), pg: proc.pgCpuSeconds(), wall: nowMs() };
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    let traffic: TrafficResult | null = null;
    let idle: BenchReport['idle'] = null;
    if (args.idleSeconds > 0) {
      await new Promise((r) => setTimeout(r, args.idleSeconds * 1000));
      idle = {
        seconds: args.idleSeconds,
        connected: peers.length,
        rssMbAfterConnect: round(proc.currentRssMb(), 1),
        serverMemoryMb: args.mode === 'raw' ? null : await serverMemory(proc.baseUrl),
        serverNodeOptions: args.mode === 'raw' ? null : process.env.BENCH_SERVER_NODE_OPTIONS ?? null,
      };
    } else {
      traffic = await runTraffic(peers, groupOf, tracker, runId, {
        messages: args.messages,
        pattern,
        rate: args.rate,
        window: args.window,
        size: args.size,
        drainTimeoutSec: args.drainTimeout,
        maxSeconds: args.maxSeconds,
        log,
      });
    }
    const serverPeak = round(proc.peakRssMb(), 1);
    loop.disable();
    const harnessLoopDelayMs = { p50: round(loop.percentile(50) / 1e6, 1), p99: round(loop.percentile(99) / 1e6, 1), max: round(loop.max / 1e6, 1) };
    const harnessCpu = process.cpuUsage(cpu0.harness);
    const pg1 = proc.pgCpuSeconds();
    const cpuSeconds = {
      server: round(proc.cpuSeconds() - cpu0.server, 2),
      harness: round((harnessCpu.user + harnessCpu.system) / 1e6, 2),
      postgres: pg1 !== null && cpu0.pg !== null ? round(pg1 - cpu0.pg, 2) : null,
      wall: round((nowMs() - cpu0.wall) / 1000, 2),
    };
    harnessPeak = Math.max(harnessPeak, process.memoryUsage().rss);
    await closeAll(peers);
    let durable: number | null = null;
    if (proc.databaseUrl && meshIds.length && traffic) durable = await countMessages(proc.databaseUrl, meshIds);
    return {
      mode: args.mode,
      pattern,
      peers: args.peers,
      meshes: args.meshes,
      messagesPerPeer: args.messages,
      nodes: args.mode === 'raw' ? 1 : args.nodes,
      nodePeakRssMb: (proc as Partial<BenchCluster>).nodePeakRssMb?.().map((x) => round(x, 1)) ?? null,
      rateTarget: args.rate,
      database: args.mode === 'raw' ? null : args.privatePg || !process.env.DATABASE_URL ? 'private embedded PostgreSQL' : 'DATABASE_URL server',
      window: args.rate === null ? args.window : null,
      sizeBytes: args.size,
      connectSeconds,
      setupSeconds,
      traffic,
      idle,
      durableMessages: durable,
      serverPeakRssMb: serverPeak,
      harnessPeakRssMb: round(harnessPeak / 1048576, 1),
      cpuSeconds,
      harnessLoopDelayMs,
      machine: { cpus: os.cpus().length, loadavg1m: round(os.loadavg()[0], 2), node: process.version },
      startedAt,
    };
  } finally {
    clearInterval(harnessSampler);
    await closeAll(peers).catch(() => undefined);
    await proc?.stop().catch(() => undefined);
  }
}

export function formatTable(r: BenchReport): string {
  const t = r.traffic;
  const rows: [string, string][] = [
    ['mode', r.mode === 'raw' ? `raw (${r.pattern})` : r.mode],
    ['peers × messages', `${r.peers} × ${r.messagesPerPeer}${r.meshes > 1 ? ` (${r.meshes} meshes)` : ''}`],
    ['load', r.rateTarget === null ? `closed loop, window ${r.window}` : `open loop, ${r.rateTarget} msg/s target`],
    ['connect', `${r.connectSeconds} s`],
    ...(r.nodes > 1 ? ([['nodes', `${r.nodes} (peers spread over them, one database, Redis adapter)`]] as [string, string][]) : []),
  ];
  if (t) {
    const pct = (p: { p50: number | null; p95: number | null; p99: number | null; max?: number | null }) =>
      `${p.p50} / ${p.p95} / ${p.p99}${p.max !== undefined ? ` / ${p.max}` : ''}`;
    rows.push(
      ['offered rate', `${t.offeredRate} msg/s`],
      ['throughput', `${t.throughputMsgsPerSec} msg/s (${t.throughputDeliveriesPerSec} deliveries/s)`],
      ['delivered', `${t.deliveries}/${t.expectedDeliveries} (${t.deliveredPct} %)${t.duplicates ? `, ${t.duplicates} duplicates` : ''}`],
      ['send errors', Object.keys(t.sendErrors).length ? JSON.stringify(t.sendErrors) : 'none'],
      ['e2e ms p50/p95/p99/max', pct(t.e2eMs)],
      ['send→ack ms p50/p95/p99/max', pct(t.sendAckMs)],
      ['duration', `${t.totalSeconds} s (sending ${t.sendPhaseSeconds} s)`],
    );
    if (r.durableMessages !== null) rows.push(['durable rows', `${r.durableMessages} (acked sends ${t.messagesAcked})`]);
  }
  if (r.idle) {
    rows.push(['idle', `${r.idle.connected} peers for ${r.idle.seconds} s, RSS ${r.idle.rssMbAfterConnect} MiB`]);
    const m = r.idle.serverMemoryMb;
    if (m) rows.push(['server memory MiB', `rss ${m.rss}, heap used ${m.heapUsed} of ${m.heapTotal}, external ${m.external}`]);
    if (r.idle.serverNodeOptions) rows.push(['server NODE_OPTIONS', r.idle.serverNodeOptions]);
  }
  rows.push(
    ['server peak RSS', `${r.serverPeakRssMb} MiB`],
    ['harness peak RSS', `${r.harnessPeakRssMb} MiB`],
    ['CPU s server / postgres / bench / wall', `${r.cpuSeconds.server} / ${r.cpuSeconds.postgres ?? '–'} / ${r.cpuSeconds.harness} / ${r.cpuSeconds.wall}`],
    ['bench loop delay ms p50/p99/max', `${r.harnessLoopDelayMs.p50} / ${r.harnessLoopDelayMs.p99} / ${r.harnessLoopDelayMs.max}`],
  );
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}

async function main(): Promise<void> {
  if (process.argv[2] === 'suite') {
    const { runSuite } = await import('./suite.js');
    await runSuite(process.argv.slice(3));
    process.exit(0);
  }
  let args: BenchArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    const err = e as { code?: string; message: string; exitCode?: number };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') process.exit(0);
    process.stderr.write(`${err.message}\n`);
    process.exit(3);
  }
  const report = await runBench(args);
  if (!args.json) process.stdout.write(`${formatTable(report)}\n\nJSON:\n`);
  process.stdout.write(`${JSON.stringify(report)}\n`);
  const t = report.traffic;
  process.exit(t && t.deliveredPct < 100 ? 1 : 0);
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
