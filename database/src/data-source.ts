import { createHash } from 'node:crypto';

import { DataSource, MigrationExecutor, type QueryRunner } from 'typeorm';

import { ALL_ENTITIES } from './entities';
import { ALL_MIGRATIONS } from './migrations';

export const DB_SCHEMA = 'mesh';
export const MIGRATIONS_TABLE = 'migrations';
export const MIGRATION_LOCK_NAME = 'claudemesh:migrate';

export interface CreateDataSourceOptions {
  url: string;
  /** pg pool size (DB_POOL_SIZE); default 10. */
  poolSize?: number;
  logging?: boolean;
  /** application_name reported to PostgreSQL. */
  applicationName?: string;
}

/** The one DataSource of the system (not initialized). Schema `mesh`; the schema is only ever built by migrations. */
export function createDataSource(options: CreateDataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    schema: DB_SCHEMA,
    entities: ALL_ENTITIES,
    migrations: ALL_MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'each',
    migrationsRun: false,
    synchronize: false,
    logging: options.logging ?? false,
    poolSize: options.poolSize ?? 10,
    applicationName: options.applicationName ?? 'claudemesh',
  });
}

interface PgPoolEvents {
  on(event: 'connect', listener: (client: { on(event: 'error', listener: (e: Error) => void): void }) => void): void;
}

/**
 * Gives every new pool client an error listener that lives as long as the client. pg hands a new client to TypeORM
 * through a promise, so TypeORM's own listener lands a microtask late; when "ready for query" and a FATAL (say, the
 * postmaster died) arrive in one TCP read, the 'error' event finds no listener and Node ends the process. The pool
 * still drops the broken client on release; this only reports the error. Call it right after `ds.initialize()`.
 */
export function guardPoolClients(ds: DataSource, onError: (e: Error) => void): void {
  const pool = (ds.driver as unknown as { master?: PgPoolEvents }).master;
  pool?.on('connect', (client) => client.on('error', onError));
}

/**
 * The key used with pg_advisory_lock for `name`: the first 8 bytes of SHA-256(name) read as a signed
 * big-endian 64-bit integer, as a decimal string (pass it as a bigint parameter: `pg_advisory_lock($1::bigint)`).
 */
export function advisoryKey(name: string): string {
  return createHash('sha256').update(name, 'utf8').digest().readBigInt64BE(0).toString();
}

async function withMigrationLock<T>(ds: DataSource, fn: (runner: QueryRunner) => Promise<T>): Promise<T> {
  if (!ds.isInitialized) await ds.initialize();
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    // Session-level lock on this dedicated connection: concurrent nodes wait here, then find nothing pending.
    await runner.query('SELECT pg_advisory_lock($1::bigint)', [advisoryKey(MIGRATION_LOCK_NAME)]);
    try {
      // Inside the lock: concurrent CREATE SCHEMA IF NOT EXISTS can otherwise fail on the catalog's unique index.
      await runner.query(`CREATE SCHEMA IF NOT EXISTS ${DB_SCHEMA}`);
      return await fn(runner);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1::bigint)', [advisoryKey(MIGRATION_LOCK_NAME)]);
    }
  } finally {
    await runner.release();
  }
}

function executor(ds: DataSource, runner: QueryRunner): MigrationExecutor {
  const ex = new MigrationExecutor(ds, runner);
  ex.transaction = 'each';
  return ex;
}

/** Runs every pending migration under the migration advisory lock; returns the names it applied. Initializes `ds` if needed. */
export async function runMigrations(ds: DataSource): Promise<string[]> {
  return withMigrationLock(ds, async (runner) => {
    const applied = await executor(ds, runner).executePendingMigrations();
    return applied.map((m) => m.name);
  });
}

/** Reverts every applied migration, newest first, under the migration lock (the tracking table stays, empty). */
export async function revertAllMigrations(ds: DataSource): Promise<string[]> {
  return withMigrationLock(ds, async (runner) => {
    const ex = executor(ds, runner);
    const reverted: string[] = [];
    for (;;) {
      const executed = await ex.getExecutedMigrations();
      if (executed.length === 0) return reverted;
      const last = executed.reduce((a, b) => (b.timestamp > a.timestamp ? b : a));
      await ex.undoLastMigration();
      reverted.push(last.name);
    }
  });
}

/** True while any known migration is unapplied (readiness: 503 migrations_pending). Read-only: creates nothing. */
export async function hasPendingMigrations(ds: DataSource): Promise<boolean> {
  const rows: Array<{ exists: boolean }> = await ds.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [
    `${DB_SCHEMA}.${MIGRATIONS_TABLE}`,
  ]);
  const known = ds.migrations.map((m) => m.name ?? m.constructor.name);
  if (!rows[0]?.exists) return known.length > 0;
  const applied: Array<{ name: string }> = await ds.query(`SELECT name FROM ${DB_SCHEMA}.${MIGRATIONS_TABLE}`);
  const appliedNames = new Set(applied.map((r) => r.name));
  return known.some((name) => !appliedNames.has(name));
}
