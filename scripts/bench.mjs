#!/usr/bin/env node
// `npm run bench -- --peers N --messages M --mode direct|broadcast|raw [--rate R] [--json]` (operations.md §9).
// Builds the server if it has not been built, then runs bench/src/main.ts with tsx.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
const needsServer = !args.includes('raw') && !args.some((a) => a === '--mode=raw');
if (needsServer && !fs.existsSync(path.join(root, 'server/dist/main.js'))) {
  console.error('[bench] server/dist/main.js is missing: building shared, database and server');
  for (const p of ['shared/tsconfig.json', 'database/tsconfig.json', 'server/tsconfig.app.json']) {
    const r = spawnSync('npx', ['tsc', '-p', p], { cwd: root, env, stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}
const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench/src/main.ts'), ...args], {
  cwd: root,
  env: { ...env, TSX_TSCONFIG_PATH: path.join(root, 'bench/tsconfig.json') },
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
