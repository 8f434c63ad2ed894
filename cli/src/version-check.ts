import { paths } from './config/home';
import { readJsonFile, writeJsonAtomic } from './config/secure-fs';
import { warn } from './output';
import { CLI_VERSION } from './version';

const DAY_MS = 24 * 60 * 60 * 1000;

/** -1, 0 or 1 comparing two x.y.z versions (pre-release tags ignored). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).slice(0, 3).map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split(/[.+-]/).slice(0, 3).map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] < pb[i] ? -1 : 1;
  return 0;
}

/** Warns, at most once a day per server, when this CLI is older than the one the server distributes (operations.md §10a). */
export async function warnIfOutdated(serverUrl: string): Promise<void> {
  try {
    const origin = new URL(serverUrl).origin;
    const state = readJsonFile<Record<string, number>>(paths.versionCheck()) ?? {};
    if (Date.now() - (state[origin] ?? 0) < DAY_MS) return;
    state[origin] = Date.now();
    writeJsonAtomic(paths.versionCheck(), state);
    const res = await fetch(`${origin}/cli/version`, { signal: AbortSignal.timeout(1500) });
    const body = (await res.json()) as { version?: unknown };
    if (typeof body.version === 'string' && compareVersions(CLI_VERSION, body.version) < 0) {
      warn(`this claudemesh CLI (${CLI_VERSION}) is older than the server's (${body.version}); update: npm i -g ${origin}/cli/claudemesh.tgz`);
    }
  } catch {
    // best effort only
  }
}
