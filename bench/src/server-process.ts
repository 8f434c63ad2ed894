import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../database/src/embedded-postgres';
import { createTestDatabase, type TestDatabase } from '../../database/src/testing/test-database';

export const ROOT = path.resolve(__dirname, '..', '..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A spawned process whose RSS is sampled from /proc while it runs. */
export interface BenchProcess {
  baseUrl: string;
  pid: number;
  stdout(): string;
  databaseUrl: string | null;
  setupToken: string | null;
  /** Peak resident set size in MiB: max of the sampled VmRSS and the kernel's VmHWM. */
  peakRssMb(): number;
  currentRssMb(): number;
  /** user + system CPU seconds the process has used so far. */
  cpuSeconds(): number;
  /** CPU seconds of the private PostgreSQL, when the bench started one. */
  pgCpuSeconds(): number | null;
  stop(): Promise<void>;
}

function readStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function readCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ (100)
  } catch {
    return 0;
  }
}

/** CPU seconds of a private PostgreSQL cluster: the postmaster, its live backends, and the backends that exited. */
export function pgClusterCpuSeconds(dataDir: string): number {
  let postmaster = 0;
  try {
    postmaster = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return 0;
  }
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pid = Number(entry);
      const ppid = Number(f[1]);
      if (pid === postmaster) total += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
      else if (ppid === postmaster) total += Number(f[11]) + Number(f[12]);
    } catch {
      // the process exited while we looked
    }
  }
  return total / 100;
}

function watch(child: ChildProcess, readyLine: RegExp, timeoutMs: number, label: string): Promise<{ out: () => string; match: RegExpExecArray }> {
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} not ready within ${timeoutMs} ms:\n${out.slice(-3000)}`)), timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.length > 4_000_000) out = out.slice(-1_000_000);
      const m = readyLine.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ out: () => out, match: m });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited early with ${code}:\n${out.slice(-3000)}`));
    });
  });
}

function track(child: ChildProcess, baseUrl: string, out: () => string, extra: Partial<BenchProcess>, cleanup: () => Promise<void>): BenchProcess {
  const pid = child.pid!;
  let peakKb = 0;
  const sampler = setInterval(() => {
    peakKb = Math.max(peakKb, readStatusKb(pid, 'VmRSS'));
  }, 200);
  sampler.unref();
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  return {
    baseUrl,
    pid,
    stdout: out,
    databaseUrl: null,
    setupToken: null,
    pgCpuSeconds: () => null,
    ...extra,
    peakRssMb: () => Math.max(peakKb, readStatusKb(pid, 'VmHWM'), readStatusKb(pid, 'VmRSS')) / 1024,
    currentRssMb: () => readStatusKb(pid, 'VmRSS') / 1024,
    cpuSeconds: () => readCpuSeconds(pid),
    async stop() {
      peakKb = Math.max(peakKb, readStatusKb(pid, 'VmHWM'));
      clearInterval(sampler);
      if (!exited) {
        const done = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 40000);
        await done;
        clearTimeout(t);
      }
      await cleanup();
    },
  };
}

/**
 * Starts `node server/dist/main.js` on 127.0.0.1 with a fresh database (a new one on DATABASE_URL's server, or the
 * embedded PostgreSQL in a temporary data dir) and the rate limits raised for the bench.
 */
/** `opts` (used by --nodes, bench/src/cluster-process.ts): extra env after the defaults, and an existing database to join. */
export async function startServer(
  peers: number,
  privatePg: boolean,
  log: (s: string) => void,
  opts: { env?: Record<string, string>; databaseUrl?: string } = {},
): Promise<BenchProcess> {
  const port = await freePort();
  let db: TestDatabase | null = null;
  let dataDir: string | null = null;
  let pg: { url: string; stop(): Promise<void> } | null = null;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    SERVER_SECRET: randomBytes(32).toString('hex'),
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    API_DOCS: 'false',
    SEND_RATE_BURST: '1000000',
    SEND_RATE_PER_MIN: '100000000',
    HANDSHAKE_RATE_PER_IP_PER_MIN: '100000000',
    HANDSHAKE_RATE_PER_PUBKEY_PER_MIN: '100000000',
    CLAIM_RATE_PER_IP_PER_MIN: '100000000',
    CLAIM_RATE_PER_CODE_PER_MIN: '100000000',
    MAX_CONNECTIONS_PER_MESH: String(Math.max(10000, peers + 10)),
    MAX_MEMBERS_PER_MESH: String(Math.max(10000, peers + 10)),
  };
  delete env.REDIS_URL;
  delete env.NODE_OPTIONS;
  // BENCH_SERVER_NODE_OPTIONS tunes only the server process (for example --max-old-space-size for the idle RSS run).
  if (process.env.BENCH_SERVER_NODE_OPTIONS) env.NODE_OPTIONS = process.env.BENCH_SERVER_NODE_OPTIONS;
  Object.assign(env, opts.env);
  if (opts.databaseUrl) {
    env.DATABASE_URL = opts.databaseUrl;
  } else if (privatePg || !process.env.DATABASE_URL) {
    // A private embedded PostgreSQL (its own cluster, connections and WAL): nothing else on the machine shares it.
    dataDir = mkdtempSync(path.join(tmpdir(), 'cm-bench-'));
    const started = await startEmbeddedPostgres({ dataDir, port: 0 });
    pg = started;
    log(`private embedded PostgreSQL at 127.0.0.1:${new URL(started.url).port}`);
    env.DATABASE_URL = started.url;
  } else {
    db = await createTestDatabase();
    env.DATABASE_URL = db.url;
  }
  const cleanup = async () => {
    await db?.drop().catch(() => undefined);
    await pg?.stop().catch(() => undefined);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  const child = spawn(process.execPath, [path.join(ROOT, 'server/dist/main.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const { out } = await watch(child, /claudemesh is ready at \S+/, 120000, 'server');
    // The setup line may follow the ready line; a fresh database always prints it.
    let setup: RegExpExecArray | null = null;
    for (let i = 0; i < 100 && !(setup = /signup\?setup=([A-Za-z0-9]+)/.exec(out())); i++) await new Promise((r) => setTimeout(r, 50));
    const pgDir = pg ? dataDir : null;
    return track(
      child,
      `http://127.0.0.1:${port}`,
      out,
      { databaseUrl: env.DATABASE_URL, setupToken: setup?.[1] ?? null, ...(pgDir ? { pgCpuSeconds: () => pgClusterCpuSeconds(pgDir) } : {}) },
      cleanup,
    );
  } catch (e) {
    child.kill('SIGKILL');
    await cleanup();
    throw e;
  }
}

/** Starts the raw relay (bench/src/raw-relay.ts, compiled with esbuild so no TS loader inflates its RSS) in its own process. */
export async function startRawRelay(): Promise<BenchProcess> {
  const port = await freePort();
  const outfile = path.join(ROOT, 'bench/dist/raw-relay.cjs');
  const esbuild = await import('esbuild');
  esbuild.buildSync({
    entryPoints: [path.join(ROOT, 'bench/src/raw-relay.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  const child = spawn(process.execPath, [outfile, String(port)], { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const { out } = await watch(child, /raw relay ready at \S+/, 60000, 'raw relay');
  return track(child, `http://127.0.0.1:${port}`, out, {}, async () => undefined);
}
