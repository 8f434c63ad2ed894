import { spawnSync } from 'node:child_process';

/**
 * Some suites need a system program besides Node (chromium, redis-server, haproxy). `.ci/run` installs them, so in CI
 * (CI=true) a missing one fails the suite loudly; on a machine with only Node the suite is skipped with a notice, so
 * `npm ci && npm test` still passes there.
 */
export function toolsAvailable(suite: string, tools: string[]): boolean {
  const missing = tools.filter((t) => !onPath(t));
  if (missing.length === 0) return true;
  const what = `${suite}: ${missing.join(', ')} not installed (.ci/run installs ${missing.length > 1 ? 'them' : 'it'})`;
  if (process.env['CI'] === 'true') throw new Error(`${what}; cannot run in CI`);
  console.warn(`SKIPPED ${what}`);
  return false;
}

function onPath(tool: string): boolean {
  const probe = tool.includes('/') ? tool : `command -v ${tool}`;
  return spawnSync('sh', ['-c', tool.includes('/') ? `test -x ${probe}` : probe], { stdio: 'ignore' }).status === 0;
}
