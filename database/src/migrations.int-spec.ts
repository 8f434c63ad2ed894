import type { DataSource } from 'typeorm';

import {
  advisoryKey,
  createDataSource,
  hasPendingMigrations,
  revertAllMigrations,
  runMigrations,
} from './data-source';
import { ALL_MIGRATIONS } from './migrations';
import { createTestDatabase, type TestDatabase } from './testing/test-database';

async function meshObjects(ds: DataSource): Promise<string[]> {
  const rows: Array<{ name: string }> = await ds.query(`
    SELECT c.relname || ':' || c.relkind::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'mesh'
    UNION ALL
    SELECT p.proname || ':function' FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'mesh'
    UNION ALL
    SELECT t.typname || ':type' FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = 'mesh' AND t.typtype NOT IN ('c', 'b') ORDER BY 1`);
  return rows.map((r) => r.name);
}

describe('migrations', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeEach(async () => {
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url, poolSize: 4 });
  });

  afterEach(async () => {
    if (ds.isInitialized) await ds.destroy();
    await db.drop();
  });

  it('advisoryKey is the first 8 bytes of SHA-256 as a signed 64-bit decimal', () => {
    expect(advisoryKey('claudemesh:migrate')).toMatch(/^-?\d+$/);
    expect(advisoryKey('a')).not.toBe(advisoryKey('b'));
  });

  it('advisoryKey matches PostgreSQL’s own computation', async () => {
    await ds.initialize();
    for (const name of ['claudemesh:migrate', 'claudemesh:task:delivery-sweep', 'claudemesh:audit:abc']) {
      const [row] = await ds.query(`SELECT ('x' || substr(encode(sha256(convert_to($1, 'UTF8')), 'hex'), 1, 16))::bit(64)::bigint::text AS k`, [name]);
      expect(advisoryKey(name)).toBe(row.k);
    }
  });

  it('C-DATA-1: all migrations apply to an empty database, revert completely, and apply again', async () => {
    await ds.initialize();
    expect(await hasPendingMigrations(ds)).toBe(true);

    const applied = await runMigrations(ds);
    expect(applied).toEqual(ALL_MIGRATIONS.map((m) => new m().name));
    expect(await hasPendingMigrations(ds)).toBe(false);
    const tables: Array<{ table_name: string }> = await ds.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'mesh' ORDER BY 1`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      [
        'account', 'audit_event', 'auth_session', 'delivery', 'handshake_replay', 'instance', 'invite', 'mail_outbox',
        'member', 'mesh', 'mesh_root_key', 'message', 'migrations', 'pending_invite', 'personal_access_token',
        'presence', 'server_node',
      ],
    );
    const fullSchema = await meshObjects(ds);

    const reverted = await revertAllMigrations(ds);
    expect(reverted).toEqual([...applied].reverse());
    const left = await meshObjects(ds);
    // Only the tracking table (with its id sequence, primary key index and row type) remains, and it is empty.
    expect(left.filter((o) => !o.startsWith('migrations') && !/^PK_\w+:i$/.test(o))).toEqual([]);
    expect(left).toContain('migrations:r');
    expect(await ds.query(`SELECT * FROM mesh.migrations`)).toEqual([]);
    expect(await hasPendingMigrations(ds)).toBe(true);

    expect(await runMigrations(ds)).toEqual(applied);
    expect(await meshObjects(ds)).toEqual(fullSchema);
    expect(await runMigrations(ds)).toEqual([]);
  });

  it('has the named constraints, indexes, sequence and trigger of data-model.md §2', async () => {
    await ds.initialize();
    await runMigrations(ds);
    const indexes: Array<{ indexname: string; indexdef: string }> = await ds.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'mesh'`,
    );
    const byName = new Map(indexes.map((i) => [i.indexname, i.indexdef]));
    for (const name of [
      'account_email_uq', 'auth_session_account_idx', 'auth_session_token_uq', 'pat_token_uq', 'mesh_slug_idx',
      'member_mesh_pubkey_uq', 'member_active_idx', 'member_groups_gin', 'invite_code_uq', 'invite_token_uq',
      'invite_mesh_idx', 'pending_invite_email_idx', 'presence_session_uq', 'presence_mesh_live_idx',
      'presence_node_live_idx', 'presence_grace_idx', 'presence_working_idx', 'message_idempotency_uq',
      'message_expiry_idx', 'message_unaudited_idx', 'delivery_claim_idx', 'delivery_claimer_idx',
      'delivery_expiry_idx', 'audit_mesh_seq_uq', 'mail_outbox_due_idx', 'mail_outbox_mesh_idx',
    ]) {
      expect(byName.has(name) ? name : `missing ${name}`).toBe(name);
    }
    expect(byName.get('invite_code_uq')).toMatch(/UNIQUE INDEX .* WHERE \(code IS NOT NULL\)/);
    expect(byName.get('mesh_slug_idx')).not.toMatch(/UNIQUE/);
    expect(byName.get('presence_session_uq')).toMatch(/UNIQUE INDEX .*\(member_id, session_id\) WHERE \(ended_at IS NULL\)/);
    expect(byName.get('member_groups_gin')).toMatch(/USING gin/);

    const [seq] = await ds.query(`SELECT to_regclass('mesh.message_seq') IS NOT NULL AS ok`);
    expect(seq.ok).toBe(true);
    const triggers: Array<{ tgname: string }> = await ds.query(
      `SELECT tgname FROM pg_trigger WHERE tgrelid = 'mesh.audit_event'::regclass AND NOT tgisinternal`,
    );
    expect(triggers.map((t) => t.tgname)).toContain('audit_event_append_only');
    const [check] = await ds.query(`SELECT conname FROM pg_constraint WHERE conname = 'invite_version_shape'`);
    expect(check?.conname).toBe('invite_version_shape');
  });

  it('entities match the migrated schema column for column', async () => {
    await ds.initialize();
    await runMigrations(ds);
    const log = await ds.driver.createSchemaBuilder().log();
    // Indexes and constraints live only in the migrations (entities carry no decorators for them).
    const columnChanges = log.upQueries
      .map((q) => q.query)
      .filter((q) => !/DROP CONSTRAINT|DROP INDEX/.test(q))
      .filter((q) => !/"groups" SET DEFAULT '\[\]'::jsonb/.test(q));
    expect(columnChanges).toEqual([]);
  });

  it('C-DATA-14: migrations wait for pg_advisory_lock on the contract key (SHA-256 of "claudemesh:migrate"), held by anyone', async () => {
    const other = createDataSource({ url: db.url, poolSize: 1 });
    await other.initialize();
    const runner = other.createQueryRunner();
    await runner.connect();
    try {
      // The key computed by PostgreSQL from data-model.md §5, not by advisoryKey().
      const k = `('x' || substr(encode(sha256(convert_to('claudemesh:migrate', 'UTF8')), 'hex'), 1, 16))::bit(64)::bigint`;
      await runner.query(`SELECT pg_advisory_lock(${k})`);
      let finished = false;
      const migrating = runMigrations(ds).then((applied) => {
        finished = true;
        return applied;
      });
      await new Promise((r) => setTimeout(r, 700));
      expect(finished).toBe(false);
      await runner.query(`SELECT pg_advisory_unlock(${k})`);
      expect(await migrating).toEqual(ALL_MIGRATIONS.map((m) => new m().name));
    } finally {
      await runner.release();
      await other.destroy();
    }
  });

  it('C-DATA-14: two concurrent runMigrations on one empty database both succeed, and the migrations ran once', async () => {
    const a = createDataSource({ url: db.url, poolSize: 2 });
    const b = createDataSource({ url: db.url, poolSize: 2 });
    try {
      const [ra, rb] = await Promise.all([runMigrations(a), runMigrations(b)]);
      // Exactly one of the two applied them; the other waited on the lock and found nothing pending.
      expect([ra.length, rb.length].sort()).toEqual([0, ALL_MIGRATIONS.length]);
      expect(await hasPendingMigrations(a)).toBe(false);
      expect(await hasPendingMigrations(b)).toBe(false);
      const rows: Array<{ name: string }> = await a.query(`SELECT name FROM mesh.migrations ORDER BY id`);
      expect(rows.map((r) => r.name)).toEqual(ALL_MIGRATIONS.map((m) => new m().name));
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
    }
  });
});
