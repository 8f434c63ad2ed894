#!/usr/bin/env node
// `npm start`: builds whatever is missing (shared, database, server, web, cli), then runs the server in this process.
// The server validates its configuration, opens the database (embedded when DATABASE_URL is unset), migrates,
// and prints `claudemesh is ready at <PUBLIC_URL>` (operations.md §1).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** Each project and the file its build produces. */
const outputs = {
  shared: 'shared/dist/index.js',
  database: 'database/dist/index.js',
  server: 'server/dist/main.js',
  web: 'web/dist/browser/index.html',
  cli: 'cli/dist-pack/claudemesh.tgz',
};

const missing = Object.entries(outputs)
  .filter(([, file]) => !fs.existsSync(path.join(root, file)))
  .map(([project]) => project);

if (missing.length > 0) {
  // Progress goes to stderr: stdout carries only the server's lines (operations.md §5).
  process.stderr.write(`Building ${missing.join(', ')} (first start only)...\n`);
  const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };
  const r = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '-p', missing.join(','), '--outputStyle=static'], {
    cwd: root,
    env,
    stdio: ['ignore', process.stderr, process.stderr],
  });
  const stillMissing = Object.entries(outputs).filter(([, f]) => !fs.existsSync(path.join(root, f)));
  // The server cannot run without shared, database and server; the web UI and the CLI tarball are optional extras.
  if (r.status !== 0 || stillMissing.some(([p]) => ['shared', 'database', 'server'].includes(p))) {
    const required = stillMissing.filter(([p]) => ['shared', 'database', 'server'].includes(p)).map(([p]) => p);
    if (required.length > 0 || r.status !== 0) {
      process.stderr.write(
        `Build failed${required.length ? ` (missing: ${required.join(', ')})` : ''}; run npx nx run-many -t build to see the errors\n`,
      );
      if (required.length > 0) process.exit(1);
    }
  }
}

process.chdir(root);
require(path.join(root, 'server/dist/main.js'));
