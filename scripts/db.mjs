#!/usr/bin/env node
// `npm run db:migrate` / `npm run db:revert`: applies (or reverts all) migrations under the migration lock
// (data-model.md §5). Uses DATABASE_URL, or the embedded PostgreSQL in CLAUDEMESH_DATA_DIR (default ./.claudemesh-data).
// Builds nothing: it needs database/dist (`npx tsc -p database/tsconfig.json` or `npm run build`).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const require = createRequire(import.meta.url);
const command = process.argv[2];

if (command !== 'migrate' && command !== 'revert') {
  console.error('Usage: node scripts/db.mjs migrate|revert');
  process.exit(2);
}
if (!fs.existsSync(path.join(root, 'database/dist/index.js'))) {
  console.error('database/dist is missing; run `npm run build` (or `npx tsc -p database/tsconfig.json`) first');
  process.exit(1);
}

const db = require(path.join(root, 'database/dist/index.js'));
let embedded = null;
let ds = null;
let status = 0;
try {
  let url = process.env.DATABASE_URL;
  if (!url) {
    const dataDir = path.resolve(process.env.CLAUDEMESH_DATA_DIR || './.claudemesh-data');
    const port = Number(process.env.EMBEDDED_PG_PORT || 0);
    embedded = await db.startEmbeddedPostgres({ dataDir, port, relocateUnreachableCluster: !process.env.CLAUDEMESH_DATA_DIR, warn: (m) => console.log(m) });
    url = embedded.url;
    console.log(`Using embedded PostgreSQL in ${dataDir}`);
  }
  ds = db.createDataSource({ url, poolSize: 2 });
  if (command === 'migrate') {
    const applied = await db.runMigrations(ds);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'No pending migrations');
  } else {
    const reverted = await db.revertAllMigrations(ds);
    console.log(reverted.length ? `Reverted: ${reverted.join(', ')}` : 'Nothing to revert');
  }
} catch (e) {
  console.error(`db:${command} failed: ${e && e.message ? e.message : e}`);
  status = 1;
} finally {
  if (ds && ds.isInitialized) await ds.destroy().catch(() => undefined);
  if (embedded) await embedded.stop().catch(() => undefined);
}
process.exit(status);
