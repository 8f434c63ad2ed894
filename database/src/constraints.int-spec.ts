import { randomUUID } from 'node:crypto';

import type { DataSource } from 'typeorm';

import { createDataSource, runMigrations } from './data-source';
import { AuditEventEntity, InviteEntity, MemberEntity, MessageEntity } from './entities';
import { insertAccount, insertMember, insertMesh, testHex, testId } from './testing/fixtures';
import { createTestDatabase, type TestDatabase } from './testing/test-database';

/** Runs `sql` and returns the violated constraint's name (or null when the statement succeeded). */
async function violation(ds: DataSource, sql: string, params: unknown[] = []): Promise<string | null> {
  try {
    await ds.query(sql, params);
    return null;
  } catch (e) {
    const err = e as { driverError?: { constraint?: string; message?: string }; message: string };
    return err.driverError?.constraint ?? err.driverError?.message ?? err.message;
  }
}

const INSERT_INVITE = `INSERT INTO mesh.invite
  (id, mesh_id, version, code, role, max_uses, used_count, expires_at, canonical_v2, signature_v2, token_hash, token_enc)
  VALUES ($1, $2, $3, $4, 'member', $5, $6, date_trunc('second', now() + interval '1 day'), $7, $8, $9, $10)`;

function v2Invite(meshId: string, over: Partial<Record<'code' | 'maxUses' | 'usedCount' | 'canonical' | 'signature', unknown>> = {}): unknown[] {
  return [
    testId(), meshId, 2, 'code' in over ? over.code : null, over.maxUses ?? 5, over.usedCount ?? 0,
    'canonical' in over ? over.canonical : '{"v":2}', 'signature' in over ? over.signature : testHex(64), null, null,
  ];
}

function v1Invite(meshId: string, tokenHash: string | null, tokenEnc: string | null): unknown[] {
  return [testId(), meshId, 1, null, 5, 0, null, null, tokenHash, tokenEnc];
}

describe('schema constraints', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let accountId: string;
  let meshId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url, poolSize: 4 });
    await runMigrations(ds);
    accountId = await insertAccount(ds);
    meshId = await insertMesh(ds, accountId);
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await db?.drop();
  });

  it('C-DATA-2: meshes may share a slug; invite codes are unique only when not null', async () => {
    const m1 = await insertMesh(ds, accountId, 'same-slug');
    const m2 = await insertMesh(ds, accountId, 'same-slug');
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM mesh.mesh WHERE slug = 'same-slug'`);
    expect(n).toBe(2);

    expect(await violation(ds, INSERT_INVITE, v2Invite(m1, { code: 'AbCd1234' }))).toBeNull();
    expect(await violation(ds, INSERT_INVITE, v2Invite(m2, { code: 'AbCd1234' }))).toBe('invite_code_uq');
    for (let i = 0; i < 3; i++) expect(await violation(ds, INSERT_INVITE, v2Invite(m2, { code: null }))).toBeNull();
    const [{ nulls }] = await ds.query(`SELECT count(*)::int AS nulls FROM mesh.invite WHERE mesh_id = $1 AND code IS NULL`, [m2]);
    expect(nulls).toBe(3);
  });

  it('C-DATA-3: a v2 invite without signature_v2, or a v1 invite without token_hash, fails invite_version_shape', async () => {
    expect(await violation(ds, INSERT_INVITE, v2Invite(meshId, { signature: null }))).toBe('invite_version_shape');
    expect(await violation(ds, INSERT_INVITE, v2Invite(meshId, { canonical: null }))).toBe('invite_version_shape');
    expect(await violation(ds, INSERT_INVITE, v1Invite(meshId, null, 'enc1:x'))).toBe('invite_version_shape');
    expect(await violation(ds, INSERT_INVITE, v1Invite(meshId, testHex(32), null))).toBe('invite_version_shape');
    // Mixed shapes are rejected as well; the well-formed ones pass.
    const mixed = v2Invite(meshId);
    mixed[8] = testHex(32);
    mixed[9] = 'enc1:x';
    expect(await violation(ds, INSERT_INVITE, mixed)).toBe('invite_version_shape');
    expect(await violation(ds, INSERT_INVITE, v1Invite(meshId, testHex(32), 'enc1:x'))).toBeNull();
    expect(await violation(ds, INSERT_INVITE, v2Invite(meshId))).toBeNull();
  });

  it('C-DATA-4: used_count above max_uses is rejected by the database', async () => {
    const params = v2Invite(meshId, { maxUses: 2, usedCount: 2 });
    expect(await violation(ds, INSERT_INVITE, params)).toBeNull();
    expect(await violation(ds, `UPDATE mesh.invite SET used_count = used_count + 1 WHERE id = $1`, [params[0]])).toBe(
      'invite_used_count_ck',
    );
    expect(await violation(ds, INSERT_INVITE, v2Invite(meshId, { maxUses: 1, usedCount: 2 }))).toBe('invite_used_count_ck');
    expect(await violation(ds, INSERT_INVITE, v2Invite(meshId, { maxUses: 1001 }))).toBe('invite_max_uses_ck');
    const [row] = await ds.query(`SELECT used_count FROM mesh.invite WHERE id = $1`, [params[0]]);
    expect(row.used_count).toBe(2);
  });

  it('C-DATA-5: one live presence per (member, session); an ended one does not block a new one', async () => {
    const memberId = await insertMember(ds, meshId);
    const sessionId = randomUUID();
    const insert = `INSERT INTO mesh.presence (id, mesh_id, member_id, session_id, node_id, socket_id, display_name)
                    VALUES ($1, $2, $3, $4, $5, 'sock', 'Peer')`;
    const first = testId();
    expect(await violation(ds, insert, [first, meshId, memberId, sessionId, randomUUID()])).toBeNull();
    expect(await violation(ds, insert, [testId(), meshId, memberId, sessionId, randomUUID()])).toBe('presence_session_uq');
    // Another session of the same member is fine.
    expect(await violation(ds, insert, [testId(), meshId, memberId, randomUUID(), randomUUID()])).toBeNull();

    await ds.query(`UPDATE mesh.presence SET ended_at = now(), end_reason = 'closed' WHERE id = $1`, [first]);
    expect(await violation(ds, insert, [testId(), meshId, memberId, sessionId, randomUUID()])).toBeNull();
    const [{ n }] = await ds.query(
      `SELECT count(*)::int AS n FROM mesh.presence WHERE member_id = $1 AND session_id = $2`,
      [memberId, sessionId],
    );
    expect(n).toBe(2);
  });

  it('C-DATA-6: a duplicate (mesh, peer_pubkey) member is rejected', async () => {
    const pubkey = testHex(32);
    await insertMember(ds, meshId, pubkey);
    await expect(insertMember(ds, meshId, pubkey)).rejects.toMatchObject({ driverError: { constraint: 'member_mesh_pubkey_uq' } });
    // The same identity may be a member of another mesh.
    const otherMesh = await insertMesh(ds, accountId);
    await expect(insertMember(ds, otherMesh, pubkey)).resolves.toHaveLength(32);
  });

  it('C-DATA-8: UPDATE and DELETE on audit_event fail', async () => {
    const zeros = '0'.repeat(64);
    await ds.query(
      `INSERT INTO mesh.audit_event (mesh_id, seq, type, actor_kind, actor_id, actor_display_name, data, prev_hash, hash)
       VALUES ($1, 1, 'mesh.created', 'system', NULL, NULL, '{"name":"Team"}', $2, $3)`,
      [meshId, zeros, testHex(32)],
    );
    expect(await violation(ds, `UPDATE mesh.audit_event SET data = '{}' WHERE mesh_id = $1`, [meshId])).toMatch(/append-only/);
    expect(await violation(ds, `DELETE FROM mesh.audit_event WHERE mesh_id = $1`, [meshId])).toMatch(/append-only/);
    expect(await violation(ds, `TRUNCATE mesh.audit_event`)).toMatch(/append-only/);
    const rows = await ds.getRepository(AuditEventEntity).findBy({ meshId });
    expect(rows).toHaveLength(1);
    expect(rows[0].data).toEqual({ name: 'Team' });
    expect(typeof rows[0].id).toBe('string');
    // A second row with the same (mesh, seq) is a fork: rejected.
    expect(
      await violation(
        ds,
        `INSERT INTO mesh.audit_event (mesh_id, seq, type, actor_kind, data, prev_hash, hash)
         VALUES ($1, 1, 'mesh.renamed', 'system', '{}', $2, $3)`,
        [meshId, zeros, testHex(32)],
      ),
    ).toBe('audit_mesh_seq_uq');
  });

  it('round-trips rows through the entities (bigint as string, jsonb, bytea, defaults)', async () => {
    const memberId = await insertMember(ds, meshId);
    const member = await ds.getRepository(MemberEntity).findOneByOrFail({ id: memberId });
    expect(member.groups).toEqual([]);
    expect(member.revokedAt).toBeNull();
    expect(member.joinedAt).toBeInstanceOf(Date);

    const repo = ds.getRepository(MessageEntity);
    const base = {
      meshId, senderMemberId: memberId, senderPubkey: member.peerPubkey, senderDisplayName: 'Peer',
      senderSessionId: randomUUID(), target: '*', targetKind: 'broadcast' as const, toSessionId: null,
      priority: 'next' as const, keyEpoch: 1, nonce: Buffer.alloc(24, 1), ciphertext: Buffer.from('ct'), sizeBytes: 2,
      contentHash: testHex(32), recipientCount: 0, expiresAt: new Date(Date.now() + 60_000),
    };
    await repo.insert({ ...base, id: testId(), clientId: randomUUID() });
    await repo.insert({ ...base, id: testId(), clientId: randomUUID() });
    const rows = await repo.find({ where: { meshId }, order: { seq: 'ASC' } });
    expect(rows.map((r) => typeof r.seq)).toEqual(['string', 'string']);
    expect(BigInt(rows[1].seq)).toBeGreaterThan(BigInt(rows[0].seq));
    expect(Buffer.isBuffer(rows[0].nonce)).toBe(true);

    // A direct message must not carry a key epoch; a multicast must.
    await expect(repo.insert({ ...base, id: testId(), clientId: randomUUID(), targetKind: 'direct' })).rejects.toMatchObject({
      driverError: { constraint: 'message_key_epoch_ck' },
    });
    // Idempotency: (sender_member_id, client_id) is unique.
    const clientId = randomUUID();
    await repo.insert({ ...base, id: testId(), clientId });
    await expect(repo.insert({ ...base, id: testId(), clientId })).rejects.toMatchObject({
      driverError: { constraint: 'message_idempotency_uq' },
    });

    const invites = ds.getRepository(InviteEntity);
    const id = testId();
    await invites.insert({
      id, meshId, version: 2, code: null, role: 'member', maxUses: 1, expiresAt: new Date(Math.floor(Date.now() / 1000) * 1000 + 60_000),
      canonicalV2: '{}', signatureV2: testHex(64), tokenHash: null, tokenEnc: null, createdByAccountId: accountId,
      revokedAt: null, lastClaimedPubkey: null,
    });
    expect((await invites.findOneByOrFail({ id })).usedCount).toBe(0);
    // expires_at must be whole seconds.
    await expect(
      invites.insert({ id: testId(), meshId, version: 2, role: 'member', maxUses: 1, expiresAt: new Date(Date.now() + 60_123), canonicalV2: '{}', signatureV2: testHex(64) }),
    ).rejects.toMatchObject({ driverError: { constraint: 'invite_expires_at_ck' } });
  });
});
