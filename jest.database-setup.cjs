/**
 * Jest globalSetup for the projects whose tests need PostgreSQL (database, server, e2e, bench). `npm test` provides
 * DATABASE_URL itself; when a project is run on its own (`nx run-many -t test`, `npx jest -c …`) without DATABASE_URL, this
 * starts an embedded PostgreSQL for the run and stops it in the teardown, so tests never depend on a local server.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = async function globalSetup() {
  if (process.env.DATABASE_URL) return;
  const { startEmbeddedPostgres } = require('./database/src/embedded-postgres.ts');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-jest-pg-'));
  const pg = await startEmbeddedPostgres({ dataDir, port: 0 });
  process.env.DATABASE_URL = pg.url;
  globalThis.__CM_EMBEDDED_PG__ = { pg, dataDir };
};
