import type { DataSource } from 'typeorm';

interface PgPool {
  query(config: { name?: string; text: string; values?: unknown[] }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/**
 * The hot statements of the broker (send batches, claims, acks) go straight to the pg pool that TypeORM owns,
 * as named prepared statements: no QueryRunner per call and no re-planning. Everything else uses TypeORM.
 */
export async function fastQuery<T>(ds: DataSource, name: string, text: string, values: unknown[]): Promise<T[]> {
  const pool = (ds.driver as unknown as { master?: PgPool }).master;
  if (!pool) return (await ds.query(text, values)) as T[];
  const res = await pool.query({ name, text, values });
  return res.rows as T[];
}
