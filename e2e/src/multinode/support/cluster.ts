import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, freePort, TestDatabase } from '@claudemesh/database';
import { ServerProcess, startServerProcess } from '../../support/server-process';
import { LoadBalancer, startLoadBalancer } from './haproxy';
import { RedisServer, startRedisServer } from '@claudemesh/database';

/**
 * N real server processes (server/dist/main.js) on loopback ports that form one broker (operations.md §7):
 * the same DATABASE_URL, SERVER_SECRET, PUBLIC_URL (the load balancer's origin) and REDIS_URL (a private
 * redis-server), optionally behind the documented HAProxy config.
 */
export interface ClusterNode {
  name: string;
  port: number;
  url: string;
  proc: ServerProcess | null;
  /** The node id from /health (server_node.id). */
  nodeId: string;
}

export interface Cluster {
  nodes: ClusterNode[];
  /** The load balancer's URL, or node 1's when started without one. */
  publicUrl: string;
  lb: LoadBalancer | null;
  redis: RedisServer | null;
  databaseUrl: string;
  serverSecret: string;
  /** The first-time setup tokens printed by the nodes (each start issues a new one; the last one written is valid). */
  setupTokens(): string[];
  env: Record<string, string>;
  startNode(i: number, extraEnv?: Record<string, string>): Promise<ClusterNode>;
  kill9(i: number): Promise<void>;
  /** SIGTERM; resolves the exit code. */
  terminate(i: number): Promise<number>;
  node(i: number): ClusterNode;
  /** A SQL query on the shared database (a short-lived connection). */
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  nodes: number;
  /** Start a private redis-server and give every node REDIS_URL (default true). */
  redis?: boolean;
  /** Put HAProxy in front (default true). */
  loadBalancer?: boolean;
  /** Use this database instead of a fresh test database (kept on stop). */
  databaseUrl?: string;
  env?: Record<string, string>;
}

/** Limits raised so that many peers from one IP can connect and send (operations.md §2 says tests raise them). */
export const RAISED_LIMITS: Record<string, string> = {
  SEND_RATE_BURST: '1000000',
  SEND_RATE_PER_MIN: '100000000',
  HANDSHAKE_RATE_PER_IP_PER_MIN: '100000000',
  HANDSHAKE_RATE_PER_PUBKEY_PER_MIN: '100000000',
  CLAIM_RATE_PER_IP_PER_MIN: '100000000',
  CLAIM_RATE_PER_CODE_PER_MIN: '100000000',
};

export async function fetchJson<T = Record<string, unknown>>(url: string, init?: RequestInit): Promise<{ status: number; json: T }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : null) as T };
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  let db: TestDatabase | null = null;
  let redis: RedisServer | null = null;
  let lb: LoadBalancer | null = null;
  const nodes: ClusterNode[] = [];
  const cleanup = async () => {
    await Promise.all(nodes.map((n) => n.proc?.stop('SIGKILL', { keepDatabase: true }).catch(() => undefined)));
    await lb?.stop().catch(() => undefined);
    await redis?.stop().catch(() => undefined);
    await db?.drop().catch(() => undefined);
  };
  try {
    const databaseUrl = opts.databaseUrl ?? (db = await createTestDatabase()).url;
    if (opts.redis !== false) redis = await startRedisServer();
    const lbPort = await freePort();
    for (let i = 0; i < opts.nodes; i++) {
      const port = await freePort();
      nodes.push({ name: `node${i + 1}`, port, url: `http://127.0.0.1:${port}`, proc: null, nodeId: '' });
    }
    const useLb = opts.loadBalancer !== false;
    const publicUrl = useLb ? `http://127.0.0.1:${lbPort}` : nodes[0].url;
    const serverSecret = randomBytes(32).toString('hex');
    const env: Record<string, string> = {
      ...RAISED_LIMITS,
      LOG_LEVEL: 'warn',
      API_DOCS: 'false',
      TRUST_PROXY: 'loopback',
      ...(redis ? { REDIS_URL: redis.url } : { REDIS_URL: '' }),
      ...opts.env,
      DATABASE_URL: databaseUrl,
      SERVER_SECRET: serverSecret,
      PUBLIC_URL: publicUrl,
    };
    const startNode = async (i: number, extraEnv: Record<string, string> = {}) => {
      const n = nodes[i];
      n.proc = await startServerProcess({ ...env, ...extraEnv, PORT: String(n.port) }, { timeoutMs: 90_000 });
      n.nodeId = (await fetchJson<{ nodeId: string }>(`${n.url}/health`)).json.nodeId;
      return n;
    };
    // All nodes start at once on the (possibly empty) database: migrations run under the lock (C-DATA-14).
    await Promise.all(nodes.map((_, i) => startNode(i)));
    if (useLb) lb = await startLoadBalancer(lbPort, nodes.map((n) => ({ name: n.name, port: n.port })));
    const cluster: Cluster = {
      nodes,
      publicUrl,
      lb,
      redis,
      databaseUrl,
      serverSecret,
      env,
      setupTokens() {
        return nodes.flatMap((n) => [...(n.proc?.stdout() ?? '').matchAll(/signup\?setup=([A-Za-z0-9]+)/g)].map((m) => m[1]));
      },
      startNode,
      node: (i) => nodes[i],
      async kill9(i) {
        const p = nodes[i].proc;
        if (!p) return;
        p.kill9();
        await p.exited();
      },
      async terminate(i) {
        const p = nodes[i].proc;
        if (!p) throw new Error(`${nodes[i].name} is not running`);
        return p.stop('SIGTERM', { keepDatabase: true });
      },
      async sql<T>(text: string, params: unknown[] = []) {
        const c = new Client({ connectionString: databaseUrl });
        await c.connect();
        try {
          return (await c.query(text, params)).rows as T[];
        } finally {
          await c.end();
        }
      },
      stop: cleanup,
    };
    return cluster;
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** `claudemesh_leader{task="…"}` values of one node's /metrics (empty when the node does not answer). */
export async function leaderGauges(url: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(3000) });
    for (const line of (await res.text()).split('\n')) {
      const m = /^claudemesh_leader\{task="([^"]+)"\} (\d+(?:\.\d+)?)$/.exec(line);
      if (m) out[m[1]] = Number(m[2]);
    }
  } catch {
    /* a dead node */
  }
  return out;
}

export async function readiness(url: string): Promise<{ status: number; json: { status: string; reasons?: string[]; redis?: string } }> {
  return fetchJson(`${url}/health/ready`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown = null;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${lastErr ? ` (${String(lastErr)})` : ''}`);
    await sleep(everyMs);
  }
}
