import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '@claudemesh/database';
import { REPO_ROOT } from '../../support/server-process';

/** The documented load balancer (scripts/lb/haproxy.cfg.template, docs/deploy.md) in front of loopback nodes. */
export interface LoadBalancer {
  url: string;
  port: number;
  /** Resolves when haproxy reports `node` UP (or DOWN) in the ready backend, via its stats socket-less CSV page. */
  waitServerState(node: string, state: 'UP' | 'DOWN', timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function haproxyAvailable(): boolean {
  return spawnSync('haproxy', ['-v'], { stdio: 'ignore' }).status === 0;
}

/** Renders the template exactly as scripts/lb/run-local-cluster.mjs does. */
export function renderHaproxyConfig(bind: string, nodes: { name: string; port: number }[], statsBind: string): string {
  const template = fs.readFileSync(path.join(REPO_ROOT, 'scripts/lb/haproxy.cfg.template'), 'utf8');
  const servers = nodes.map((n) => `    server ${n.name} 127.0.0.1:${n.port} check`).join('\n');
  const stats = `listen stats\n    bind ${statsBind}\n    stats enable\n    stats uri /\n`;
  return template.replaceAll('{{BIND}}', bind).replaceAll('{{SERVERS}}', servers).replaceAll('{{STATS}}', stats);
}

export async function startLoadBalancer(port: number, nodes: { name: string; port: number }[]): Promise<LoadBalancer> {
  if (!haproxyAvailable()) throw new Error('haproxy is not installed: apt-get install -y haproxy (docs/deploy.md §6)');
  const statsPort = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-lb-'));
  const cfg = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(cfg, renderHaproxyConfig(`127.0.0.1:${port}`, nodes, `127.0.0.1:${statsPort}`));
  let log = '';
  const child: ChildProcess = spawn('haproxy', ['-f', cfg, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (b: Buffer) => (log += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const statsCsv = async (): Promise<string> => (await fetch(`http://127.0.0.1:${statsPort}/;csv`)).text();
  const waitServerState = async (node: string, state: 'UP' | 'DOWN', timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      try {
        last = await statsCsv();
        const row = last.split('\n').find((l) => l.startsWith(`claudemesh_ready,${node},`));
        if (row && row.split(',')[17]?.startsWith(state)) return;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`haproxy: ${node} not ${state} within ${timeoutMs} ms\n${last}\n${log}`);
  };
  for (const n of nodes) await waitServerState(n.name, 'UP');
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    waitServerState,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
