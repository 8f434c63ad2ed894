import { Client } from 'pg';

import { createTestDatabase } from './test-database';

async function databaseExists(name: string): Promise<boolean> {
  const client = new Client({ connectionString: process.env['DATABASE_URL'] });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('createTestDatabase', () => {
  it('creates distinct fresh databases concurrently and drops them even with open connections', async () => {
    const dbs = await Promise.all(Array.from({ length: 4 }, () => createTestDatabase()));
    const names = dbs.map((d) => new URL(d.url).pathname.slice(1));
    expect(new Set(names).size).toBe(4);
    for (const name of names) {
      expect(name).toMatch(/^cm_t_[0-9a-f]{16}$/);
      expect(await databaseExists(name)).toBe(true);
    }
    // An open connection does not block drop() (WITH (FORCE)).
    const open = new Client({ connectionString: dbs[0].url });
    open.on('error', () => undefined);
    await open.connect();
    const [{ n }] = (await open.query(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'mesh'`)).rows;
    expect(n).toBe(0);
    await Promise.all(dbs.map((d) => d.drop()));
    await open.end().catch(() => undefined);
    for (const name of names) expect(await databaseExists(name)).toBe(false);
    await dbs[0].drop(); // idempotent
  });
});
