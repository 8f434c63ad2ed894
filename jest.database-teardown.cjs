/** Stops the embedded PostgreSQL that jest.database-setup.cjs started, if it started one. */
const fs = require('node:fs');

module.exports = async function globalTeardown() {
  const started = globalThis.__CM_EMBEDDED_PG__;
  if (!started) return;
  await started.pg.stop();
  fs.rmSync(started.dataDir, { recursive: true, force: true });
  delete process.env.DATABASE_URL;
};
