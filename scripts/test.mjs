#!/usr/bin/env node
// `npm test`: builds, provides a PostgreSQL (DATABASE_URL, or an embedded one), runs every test target and e2e suite,
// prints each runner's summary and one closing total, and exits non-zero on any failure.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const require = createRequire(import.meta.url);
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0' };
const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-test-report-'));
env.CM_TEST_REPORT_DIR = reportDir;

// Asynchronous on purpose: while a step runs, this process must keep reading the embedded PostgreSQL's output pipes.
// With spawnSync the event loop stops, the pipe fills (each CREATE/DROP DATABASE logs a checkpoint), the checkpointer
// blocks on write(2) and every DROP DATABASE waits for it forever.
function run(label, args) {
  console.log(`\n=== ${label} ===`);
  return new Promise((resolve) => {
    const child = spawn('npx', args, { cwd: root, env, stdio: 'inherit' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

let embedded;
let ok = true;
try {
  ok = (await run('build', ['nx', 'run-many', '-t', 'build', '--outputStyle=static'])) && ok;
  if (!ok) throw new Error('build failed');
  if (!env.DATABASE_URL) {
    const { startEmbeddedPostgres } = require(path.join(root, 'database/dist/embedded-postgres.js'));
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-test-pg-'));
    // PostgreSQL's own lines (checkpoints, …) go to a file, not between the test reports.
    const pgLog = path.join(dataDir, 'postgres.log');
    embedded = await startEmbeddedPostgres({ dataDir, port: 0, log: (m) => fs.appendFileSync(pgLog, `${m}\n`) });
    env.DATABASE_URL = embedded.url;
    console.log(`Using embedded PostgreSQL for tests (${dataDir}; its log: postgres.log)`);
  } else {
    console.log('Using DATABASE_URL for tests');
  }
  ok = (await run('unit and integration tests', ['nx', 'run-many', '-t', 'test', '--outputStyle=static', '--parallel=1'])) && ok;
  ok = (await run('e2e suites', ['nx', 'run-many', '-t', 'e2e', '--outputStyle=static', '--parallel=1'])) && ok;
} catch (e) {
  console.error(String(e && e.message ? e.message : e));
  ok = false;
} finally {
  if (embedded) await embedded.stop();
}

let passed = 0;
let failed = 0;
let skipped = 0;
console.log('\n=== summary ===');
for (const f of fs.readdirSync(reportDir).sort()) {
  const r = JSON.parse(fs.readFileSync(path.join(reportDir, f), 'utf8'));
  console.log(`${r.name}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped;
}
fs.rmSync(reportDir, { recursive: true, force: true });
if (!ok && failed === 0) failed = 1;
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(ok && failed === 0 ? 0 : 1);
