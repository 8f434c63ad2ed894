import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { freePort, startServer, type BenchProcess } from './server-process';

/**
 * `--nodes N` (issue 8): N server processes that form one broker (operations.md §7): the same DATABASE_URL,
 * SERVER_SECRET, PUBLIC_URL and REDIS_URL. Redis is a private redis-server on a free port (the adapter's stream name
 * is fixed, so sharing the machine's Redis with test runs would mix their traffic). The bench spreads its peers over
 * the node ports (peer i → node i mod N), which is what a round-robin load balancer does with WebSocket-only clients.
 */
export interface BenchCluster extends BenchProcess {
  urls: string[];
  /** Peak RSS of each node, MiB. */
  nodePeakRssMb(): number[];
}

async function startRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    const url = process.env.REDIS_URL;
    if (!url) throw new Error('--nodes > 1 needs redis-server on PATH or REDIS_URL');
    return { url, stop: async () => undefined };
  }
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const { createClient } = await import('redis');
  for (let i = 0; ; i++) {
    const c = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false } });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.quit();
      break;
    } catch {
      if (i > 100) throw new Error('private redis-server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await done;
    },
  };
}

export async function startServerCluster(peers: number, nodes: number, privatePg: boolean, log: (s: string) => void): Promise<BenchCluster> {
  const redis = await startRedis();
  const procs: BenchProcess[] = [];
  try {
    const shared = { REDIS_URL: redis.url, SERVER_SECRET: randomBytes(32).toString('hex') };
    // Node 1 creates the database (and migrates); the others join it with node 1's PUBLIC_URL.
    const first = await startServer(peers, privatePg, log, { env: shared });
    procs.push(first);
    for (let i = 1; i < nodes; i++) {
      procs.push(await startServer(peers, privatePg, log, { env: { ...shared, PUBLIC_URL: first.baseUrl }, databaseUrl: first.databaseUrl! }));
    }
    log(`${nodes} nodes sharing one database and Redis (${redis.url}): ${procs.map((p) => p.baseUrl).join(' ')}`);
    const sum = (f: (p: BenchProcess) => number) => procs.reduce((s, p) => s + f(p), 0);
    return {
      // Node 1's fields (the database, its PostgreSQL figures), then the cluster-wide ones.
      ...first,
      baseUrl: first.baseUrl,
      urls: procs.map((p) => p.baseUrl),
      pid: first.pid,
      stdout: () => procs.map((p) => p.stdout()).join('\n'),
      databaseUrl: first.databaseUrl,
      // Each start on an account-less database issues a new setup token; the last one written is valid.
      setupToken: procs[procs.length - 1].setupToken,
      peakRssMb: () => sum((p) => p.peakRssMb()),
      nodePeakRssMb: () => procs.map((p) => p.peakRssMb()),
      currentRssMb: () => sum((p) => p.currentRssMb()),
      cpuSeconds: () => sum((p) => p.cpuSeconds()),
      stop: async () => {
        // The joiners first: node 1 owns the database and drops it on stop.
        for (const p of procs.slice(1).reverse()) await p.stop().catch(() => undefined);
        await first.stop().catch(() => undefined);
        await redis.stop();
      },
    };
  } catch (e) {
    for (const p of procs.reverse()) await p.stop().catch(() => undefined);
    await redis.stop();
    throw e;
  }
}
