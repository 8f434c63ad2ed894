import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { freePort } from '../embedded-postgres-host';

/**
 * A private redis-server on a free loopback port, per suite: the adapter's stream name is fixed
 * (`claudemesh:socket.io`), so suites never share a Redis, and the Redis-down test can stop this one without
 * touching the machine's Redis on 6379.
 */
export interface RedisServer {
  url: string;
  port: number;
  /** SIGKILL: the server is gone at once (clients see ECONNREFUSED). */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: nothing durable lives in Redis). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function binary(): string {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error('redis-server is not installed (apt-get install -y redis-server)');
  return 'redis-server';
}

async function waitPing(port: number, timeoutMs: number): Promise<void> {
  const { createClient } = await import('redis');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false, connectTimeout: 500 } });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.ping();
      await c.quit();
      return;
    } catch {
      try {
        c.destroy();
      } catch {
        /* already closed */
      }
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not answer within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export async function startRedisServer(): Promise<RedisServer> {
  const bin = binary();
  const port = await freePort();
  let child: ChildProcess | null = null;
  const launch = async () => {
    child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {
      stdio: 'ignore',
    });
    await waitPing(port, 10_000);
  };
  const kill = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    restart: async () => {
      await kill();
      await launch();
    },
    stop: kill,
  };
}
