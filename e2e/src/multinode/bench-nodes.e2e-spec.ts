/** `npm run bench -- --nodes N` (issue 8): the bench runs against several nodes sharing one database and Redis. */
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from '../support/server-process';

jest.setTimeout(240_000);

it('bench --nodes 2 spreads real peers over two nodes and delivers everything', () => {
  const r = spawnSync('npm', ['run', '--silent', 'bench', '--', '--mode', 'direct', '--peers', '6', '--messages', '10', '--nodes', '2', '--json', '--quiet'], {
    cwd: REPO_ROOT,
    env: process.env,
    encoding: 'utf8',
    timeout: 200_000,
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let report: { nodes: number; nodePeakRssMb: number[] | null; traffic: { deliveries: number; deliveredPct: number; duplicates: number } };
  try {
    report = JSON.parse(line);
  } catch {
    throw new Error(`no JSON from the bench (status ${r.status}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  }
  expect(r.status).toBe(0);
  expect(report.nodes).toBe(2);
  expect(report.nodePeakRssMb).toHaveLength(2);
  expect(report.traffic.deliveries).toBe(60);
  expect(report.traffic.deliveredPct).toBe(100);
});
