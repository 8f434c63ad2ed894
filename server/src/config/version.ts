import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root (the folder holding nx.json), found from this file in src/ or dist/. */
export function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    if (fs.existsSync(path.join(dir, 'nx.json'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

let cached: string | undefined;

/** The server version: the root package.json version (1.0.0). */
export function appVersion(): string {
  if (cached === undefined) {
    try {
      cached = String(JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')).version);
    } catch {
      cached = '1.0.0';
    }
  }
  return cached;
}
