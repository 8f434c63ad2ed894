import { randomBytes } from 'node:crypto';

import { Client } from 'pg';

export interface TestDatabase {
  /** URL of the fresh, empty database (no schema, no migrations). */
  url: string;
  /** Drops the database WITH (FORCE); safe to call twice. */
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env['DATABASE_URL'];
  if (!url) throw new Error('createTestDatabase: DATABASE_URL must point at a PostgreSQL server (admin connection)');
  return url;
}

async function withAdmin<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The URL with its database path replaced. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Creates a fresh database `cm_t_<random>` on the DATABASE_URL server, for one test suite.
 * Suites run in parallel: names are random, and CREATE DATABASE is retried when the template is busy.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = adminUrl();
  const name = `cm_t_${randomBytes(8).toString('hex')}`;
  await withAdmin(admin, async (client) => {
    for (let attempt = 0; ; attempt++) {
      try {
        // template0: template1 may be in use by a concurrent CREATE DATABASE ("source database is being accessed").
        await client.query(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8'`);
        return;
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (attempt < 20 && (code === '55006' || code === '40001' || code === '40P01')) {
          await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
          continue;
        }
        throw e;
      }
    }
  });
  let dropped = false;
  return {
    url: withDatabase(admin, name),
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdmin(admin, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
