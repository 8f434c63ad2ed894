import { randomBytes, randomUUID } from 'node:crypto';
import { insertAccount, insertMember, insertMesh, testId } from '../../../database/src/testing/fixtures';
import { cryptoReady } from '@claudemesh/shared/crypto';
import { createTestApp, type TestApp } from '../testing/test-app';
import { MetricsService } from '../metrics/metrics.service';
import { AuditService } from './audit.service';

/**
 * `message.sent` derivation by the `audit-messages` leader task (data-model.md §4), at its contract period of 1 s.
 * Message rows are inserted with SQL here, exactly as the send path commits them (the broker's end-to-end flow is
 * covered in audit-flow.int-spec.ts).
 */
describe('audit-messages leader task', () => {
  let t: TestApp;
  let meshId: string;
  let members: string[];

  const insertMessages = async (count: number, sender: string, target: string) => {
    const rows: { id: string; nonce: Buffer; ciphertext: Buffer }[] = [];
    for (let i = 0; i < count; i++) {
      const id = testId();
      const nonce = randomBytes(24);
      const ciphertext = randomBytes(40 + (i % 7));
      rows.push({ id, nonce, ciphertext });
      await t.dataSource.query(
        `INSERT INTO mesh.message (id, mesh_id, sender_member_id, sender_pubkey, sender_display_name, sender_session_id,
           client_id, target, target_kind, priority, key_epoch, nonce, ciphertext, size_bytes, content_hash, recipient_count, expires_at)
         VALUES ($1, $2, $3, $4, 'Peer', $5, $6, $7, $8, 'next', $9, $10, $11, $12, $13, $14, now() + interval '7 days')`,
        [
          id,
          meshId,
          sender,
          randomBytes(32).toString('hex'),
          randomUUID(),
          randomUUID(),
          target,
          target === '*' ? 'broadcast' : 'direct',
          target === '*' ? 1 : null,
          nonce,
          ciphertext,
          ciphertext.length,
          randomBytes(32).toString('hex'),
          target === '*' ? members.length - 1 : 1,
        ],
      );
    }
    return rows;
  };

  const sentEntries = async () =>
    (await t.dataSource.query(
      `SELECT seq, actor_kind, actor_id, actor_display_name, data FROM mesh.audit_event WHERE mesh_id = $1 AND type = 'message.sent' ORDER BY seq`,
      [meshId],
    )) as { seq: number; actor_kind: string; actor_id: string; actor_display_name: string; data: Record<string, unknown> }[];

  const waitFor = async (pred: () => Promise<boolean>, ms: number): Promise<number> => {
    const t0 = Date.now();
    while (!(await pred())) {
      if (Date.now() - t0 > ms) throw new Error(`condition not met within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return Date.now() - t0;
  };

  beforeAll(async () => {
    await cryptoReady();
    t = await createTestApp();
    const account = await insertAccount(t.dataSource);
    meshId = await insertMesh(t.dataSource, account);
    members = [await insertMember(t.dataSource, meshId), await insertMember(t.dataSource, meshId), await insertMember(t.dataSource, meshId)];
  });

  afterAll(async () => {
    await t?.close();
  });

  it('C-DATA-13 / C-SEC-4: every message gets a message.sent entry within 5 s, metadata only, and audited_at is set', async () => {
    const direct = await insertMessages(60, members[0], '3b'.repeat(32));
    const broadcast = await insertMessages(15, members[1], '*');
    const all = [...direct, ...broadcast];
    const waited = await waitFor(async () => (await sentEntries()).length >= all.length, 5000);
    expect(waited).toBeLessThan(5000);
    const entries = await sentEntries();
    expect(entries.map((e) => e.data.messageId).sort()).toEqual(all.map((m) => m.id).sort());
    const unaudited = await t.dataSource.query('SELECT count(*)::int AS n FROM mesh.message WHERE audited_at IS NULL');
    expect(unaudited[0].n).toBe(0);
    const forbidden = new Set<string>();
    for (const m of all) {
      for (const buf of [m.nonce, m.ciphertext]) {
        forbidden.add(buf.toString('base64'));
        forbidden.add(buf.toString('hex'));
        forbidden.add(buf.toString('base64url'));
      }
    }
    for (const e of entries) {
      expect(Object.keys(e.data).sort()).toEqual(['from', 'messageId', 'priority', 'recipients', 'size', 'to']);
      expect(e.actor_kind).toBe('member');
      expect(e.actor_id).toBe(e.data.from);
      expect(e.actor_display_name).toBe('Peer');
      const json = JSON.stringify(e);
      expect(json).not.toMatch(/nonce|ciphertext/i);
      for (const v of Object.values(e.data)) expect(forbidden.has(String(v))).toBe(false);
      for (const f of forbidden) expect(json.includes(f)).toBe(false);
    }
    const b = entries.find((e) => e.data.to === '*')!;
    expect(b.data).toMatchObject({ from: members[1], priority: 'next', recipients: 2 });
    // Entries follow message seq order, and the chain still verifies.
    const bySeq = await t.dataSource.query('SELECT id FROM mesh.message WHERE mesh_id = $1 ORDER BY seq', [meshId]);
    expect(entries.map((e) => e.data.messageId)).toEqual(bySeq.map((r: { id: string }) => r.id));
    expect(await t.app.get(AuditService).verify(meshId)).toMatchObject({ valid: true });
  });

  it('skips rows another transaction holds (SKIP LOCKED), reports the lag, and audits them once released', async () => {
    // Insert a row and lock it; if the 1 s tick audited it in between, try again with a new one.
    const qr = t.dataSource.createQueryRunner();
    await qr.connect();
    let held: { id: string } | null = null;
    for (let attempt = 0; attempt < 5 && !held; attempt++) {
      const [candidate] = await insertMessages(1, members[2], '3b'.repeat(32));
      await qr.startTransaction();
      const locked = await qr.query('SELECT id FROM mesh.message WHERE id = $1 AND audited_at IS NULL FOR UPDATE', [candidate.id]);
      if (locked.length === 1) held = candidate;
      else await qr.commitTransaction();
    }
    expect(held).not.toBeNull();
    try {
      const others = await insertMessages(5, members[2], '3b'.repeat(32));
      await waitFor(async () => {
        const ids = new Set((await sentEntries()).map((e) => e.data.messageId));
        return others.every((o) => ids.has(o.id));
      }, 5000);
      expect((await sentEntries()).some((e) => e.data.messageId === held!.id)).toBe(false);
      await new Promise((r) => setTimeout(r, 1500));
      const lag = (await t.app.get(MetricsService).auditLagSeconds.get()).values[0].value;
      expect(lag).toBeGreaterThanOrEqual(1);
    } finally {
      await qr.commitTransaction();
      await qr.release();
    }
    await waitFor(async () => (await sentEntries()).some((e) => e.data.messageId === held!.id), 5000);
    await waitFor(async () => (await t.app.get(MetricsService).auditLagSeconds.get()).values[0].value === 0, 3000);
    const entries = await sentEntries();
    expect(new Set(entries.map((e) => e.data.messageId)).size).toBe(entries.length);
  });
});
