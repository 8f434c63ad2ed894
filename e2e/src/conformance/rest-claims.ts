/**
 * The v2 claim and v1 join of invites.md §3.3/§4.3 from outside: the check order (each failure built so that a later
 * check would also fail, so only the right order passes), details.reason, no slot used by any refusal, concurrency
 * (exactly maxUses winners), idempotency per key, rejoining after removal, and what the recipient must verify (§4.4).
 */
import { expectError } from './rest-assert';
import { decodeV1, setExpiry } from './rest-invites';
import { acceptClaimResponse, canonicalV2, claimBody, joinProof, newClaimant, seedBytes, signHex, signingKeyFromSeed, hex, type Claimant } from './rest-sodium';
import { as, freshMesh, http, type Res, type World } from './rest-world';

const claimRaw = (w: World, code: string, body: unknown, headers: Record<string, string> = {}) =>
  http(w.base, 'POST', `/api/public/invites/${code}/claim`, { body, headers });
const joinBody = (token: string, c: Claimant) => ({ invite_token: token, peer_pubkey: c.pubkey, display_name: 'joiner', proof: joinProof(token, c) });
const join = (w: World, body: unknown) => http(w.base, 'POST', '/api/public/join', { body });

/** used_count, member rows of the mesh and claimed audit entries, read from the database. */
async function counts(w: World, inviteId: string): Promise<{ used: number; members: number; claimed: number }> {
  const [r] = await w.t.dataSource.query(
    `SELECT i.used_count AS used, (SELECT count(*)::int FROM mesh.member m WHERE m.mesh_id = i.mesh_id) AS members,
            (SELECT count(*)::int FROM mesh.audit_event a WHERE a.mesh_id = i.mesh_id AND a.type = 'invite.claimed' AND a.data->>'inviteId' = i.id) AS claimed
       FROM mesh.invite i WHERE i.id = $1`,
    [inviteId],
  );
  return r;
}

export function claimTests(world: () => World): void {
  it('C-INV-9 / §4.3 check order: credential → code → body → proof → lookup → revoked → archived → expired → version → removed → exhausted → signature', async () => {
    const w = world();
    const good = await w.mint({ maxUses: 1 }, 'admin');
    const c = newClaimant();
    const before = await w.fingerprint();
    // 0. a bearer that is not a valid PAT beats everything, even a malformed code
    expectError(await claimRaw(w, 'ab$', {}, { Authorization: 'Bearer cmpat_nope' }), 401, 'unauthenticated', 'bad PAT first');
    // 1. code, then body, then proof
    expectError(await claimRaw(w, 'ab$', { peer_pubkey: 'x' }), 400, 'invite_malformed', 'code before body', { reason: 'malformed' });
    expectError(await claimRaw(w, 'nonexistent', { ...claimBody('nonexistent', c), display_name: '' }), 400, 'validation_failed', 'body before lookup', { reason: 'malformed', fields: ['display_name'] });
    expectError(await claimRaw(w, 'nonexistent', { ...claimBody('nonexistent', c), proof: claimBody('other', c).proof }), 400, 'invalid_proof', 'proof before lookup', { reason: 'malformed' });
    expectError(await claimRaw(w, good.code, claimBody(`${good.code}x`, c)), 400, 'invalid_proof', 'proof over another code', { reason: 'malformed' });
    const other = newClaimant();
    expectError(await claimRaw(w, good.code, { ...claimBody(good.code, c), recipient_x25519_pubkey: other.x25519 }), 400, 'invalid_proof', 'proof over another x25519 key', { reason: 'malformed' });
    // 2. lookup
    expectError(await claimRaw(w, 'nonexistent', claimBody('nonexistent', c)), 404, 'invite_not_found', 'unknown code', { reason: 'not_found' });
    expect(await w.fingerprint()).toBe(before);

    // 3. lifecycle, each case also failing every later check
    const mesh = await freshMesh(w, 'order', 0);
    const mk = async (o: Record<string, unknown> = {}) => w.mint({ maxUses: 1, ...o }, 'owner', mesh.meshId);
    const revokedAll = await mk();
    const expiredExhausted = await mk();
    const archivedAll = await mk();
    const v1 = await mk({ version: 1 });
    const v1revoked = await mk({ version: 1 });
    for (const inv of [revokedAll, expiredExhausted, archivedAll]) expect((await w.claim(inv.code)).res.status).toBe(200);
    for (const inv of [revokedAll, expiredExhausted, archivedAll, v1revoked]) await setExpiry(w, inv.id, -60);
    await w.t.dataSource.query(`UPDATE mesh.invite SET role = 'admin' WHERE id = ANY($1)`, [[revokedAll.id, expiredExhausted.id]]); // tampered too
    for (const inv of [revokedAll, v1revoked]) expect((await as(w.base, w.p.owner, 'DELETE', `/api/meshes/${mesh.meshId}/invites/${inv.id}`)).status).toBe(200);
    expectError((await w.claim(revokedAll.code)).res, 410, 'invite_revoked', 'revoked > expired > exhausted > signature', { reason: 'revoked' });
    expectError((await w.claim(expiredExhausted.code)).res, 410, 'invite_expired', 'expired > exhausted > signature', { reason: 'expired' });
    expectError((await w.claim(v1revoked.code)).res, 410, 'invite_revoked', 'lifecycle before version', { reason: 'revoked' });
    expectError((await w.claim(v1.code)).res, 409, 'invite_version_mismatch', 'v1 code', { reason: 'version_mismatch' });
    expect((await as(w.base, w.p.owner, 'POST', `/api/meshes/${mesh.meshId}/archive`)).status).toBe(200);
    expectError((await w.claim(archivedAll.code)).res, 410, 'mesh_archived', 'archived > expired > exhausted', { reason: 'mesh_archived' });
    expectError((await w.claim(revokedAll.code)).res, 410, 'invite_revoked', 'revoked > archived', { reason: 'revoked' });
  });

  it('C-INV-10 / C-INV-12: a tampered row or signature → invite_bad_signature; a member removed after the invite → member_removed (before exhausted); a newer invite readmits the same row', async () => {
    const w = world();
    const mesh = await freshMesh(w, 'tamper', 0);
    const roleEdit = await w.mint({ maxUses: 2 }, 'owner', mesh.meshId);
    const expEdit = await w.mint({ maxUses: 2 }, 'owner', mesh.meshId);
    const sigEdit = await w.mint({ maxUses: 2 }, 'owner', mesh.meshId);
    await w.t.dataSource.query(`UPDATE mesh.invite SET role = 'admin' WHERE id = $1`, [roleEdit.id]);
    await setExpiry(w, expEdit.id, 3600);
    const flipped = (Number.parseInt(sigEdit.signature[0], 16) ^ 8).toString(16) + sigEdit.signature.slice(1);
    await w.t.dataSource.query(`UPDATE mesh.invite SET signature_v2 = $2 WHERE id = $1`, [sigEdit.id, flipped]);
    for (const inv of [roleEdit, expEdit, sigEdit]) {
      const before = await counts(w, inv.id);
      expectError((await w.claim(inv.code)).res, 400, 'invite_bad_signature', `tampered ${inv.id}`, { reason: 'bad_signature' });
      expect(await counts(w, inv.id)).toEqual(before);
    }

    // removal: the old invite (also used up by then) answers member_removed; a newer one readmits the same member row
    const old = await w.mint({ maxUses: 1 }, 'owner', mesh.meshId);
    const first = await w.claim(old.code);
    expect(first.res.status).toBe(200);
    expect((await as(w.base, w.p.owner, 'DELETE', `/api/meshes/${mesh.meshId}/members/${first.res.body.member_id}`)).status).toBe(200);
    expectError((await w.claim(old.code, { claimant: first.claimant })).res, 403, 'member_removed', 'old invite after removal', { reason: 'member_removed' });
    const fresh = await w.mint({ maxUses: 1, role: 'admin' }, 'owner', mesh.meshId);
    const back = await w.claim(fresh.code, { claimant: first.claimant });
    expect([back.res.status, back.res.body.member_id, back.res.body.already_member, back.res.body.role]).toEqual([200, first.res.body.member_id, false, 'admin']);
  });

  it('C-INV-3 / §4.4: a claim answers what the recipient must verify, sealed to its x25519 key (80 bytes → the 32-byte root key), and counts exactly one use', async () => {
    const w = world();
    const inv = await w.mint({ maxUses: 2 }, 'admin');
    const c0 = await counts(w, inv.id);
    const { res, claimant, rootKey } = await w.claim(inv.code, { displayName: '  Zoë 👩‍💻  ' });
    expect([res.status, res.headers.get('cache-control')]).toEqual([200, 'no-store']);
    expect(res.body).toMatchObject({ mesh_id: w.meshId, mesh_name: 'platform', role: 'member', already_member: false, owner_pubkey: w.ownerPubkey, broker_url: w.base });
    expect(res.body.canonical_v2).toBe(canonicalV2(w.meshId, inv.id, Date.parse(inv.expiresAt) / 1000, 'member', w.ownerPubkey));
    expect(rootKey).toHaveLength(32);
    expect(await counts(w, inv.id)).toEqual({ used: c0.used + 1, members: c0.members + 1, claimed: c0.claimed + 1 });
    const [row] = await w.t.dataSource.query(`SELECT peer_pubkey, display_name FROM mesh.member WHERE id = $1`, [res.body.member_id]);
    expect(row).toEqual({ peer_pubkey: claimant.pubkey, display_name: 'Zoë 👩‍💻' });
    // a client that changes one byte of canonical_v2 must reject the response before unsealing
    const tampered = { ...res.body, canonical_v2: res.body.canonical_v2.replace('|member|', '|admin|') };
    expect(() => acceptClaimResponse(tampered, claimant)).toThrow(/disagrees|signature/);
    expect(() => acceptClaimResponse({ ...res.body, signature: res.body.signature.replace(/^./, (ch: string) => (ch === '0' ? '1' : '0')) }, claimant)).toThrow(/signature/);
  });

  it('C-INV-7 / §6.2: 20 parallel claims with distinct keys against maxUses=3 → exactly 3 admitted, 17 invite_exhausted; used_count 3', async () => {
    const w = world();
    const inv = await w.mint({ maxUses: 3 }, 'admin');
    const c0 = await counts(w, inv.id);
    const claimants = Array.from({ length: 20 }, () => newClaimant());
    const results = await Promise.all(claimants.map((c) => claimRaw(w, inv.code, claimBody(inv.code, c))));
    const winners = results.map((r, i) => ({ r, c: claimants[i] })).filter((x) => x.r.status === 200);
    expect(winners).toHaveLength(3);
    const losers = results.filter((r) => r.status !== 200);
    expect(losers.map((r) => [r.status, r.body?.error?.code, r.body?.error?.details?.reason])).toEqual(Array(17).fill([410, 'invite_exhausted', 'exhausted']));
    const keys = new Set(winners.map(({ r, c }) => hex(acceptClaimResponse(r.body, c, { meshId: w.meshId, role: 'member' }))));
    expect(keys.size).toBe(1);
    expect(new Set(winners.map((x) => x.r.body.member_id)).size).toBe(3);
    expect(await counts(w, inv.id)).toEqual({ used: 3, members: c0.members + 3, claimed: 3 });
    const usedCounts = (await w.t.dataSource.query(`SELECT (data->>'usedCount')::int AS n FROM mesh.audit_event WHERE type = 'invite.claimed' AND data->>'inviteId' = $1 ORDER BY seq`, [inv.id])).map((r: any) => r.n);
    expect(usedCounts).toEqual([1, 2, 3]);
  });

  it('C-INV-8 / idempotency: 20 parallel claims of one key → all 200 with one member_id and one use; later repeats (also once used up) are already_member, sealed to each new x25519 key', async () => {
    const w = world();
    const inv = await w.mint({ maxUses: 5 }, 'admin');
    const id = newClaimant();
    const claimants = Array.from({ length: 20 }, () => ({ ...newClaimant(), pubkey: id.pubkey, secretKey: id.secretKey }));
    const results = await Promise.all(claimants.map((c) => claimRaw(w, inv.code, claimBody(inv.code, c))));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(new Set(results.map((r) => r.body.member_id)).size).toBe(1);
    expect(results.filter((r) => r.body.already_member === false)).toHaveLength(1);
    const roots = new Set(results.map((r, i) => hex(acceptClaimResponse(r.body, claimants[i]))));
    expect(roots.size).toBe(1);
    expect((await counts(w, inv.id)).used).toBe(1);
    // used up by others: an active member still gets 200 already_member and no slot
    for (let i = 0; i < 4; i++) expect((await w.claim(inv.code)).res.status).toBe(200);
    expectError((await w.claim(inv.code)).res, 410, 'invite_exhausted', 'a stranger once used up', { reason: 'exhausted' });
    const again = { ...newClaimant(), pubkey: id.pubkey, secretKey: id.secretKey };
    const r = await claimRaw(w, inv.code, claimBody(inv.code, again));
    expect([r.status, r.body.already_member, r.body.member_id]).toEqual([200, true, results[0].body.member_id]);
    expect(acceptClaimResponse(r.body, again)).toHaveLength(32);
    expect((await counts(w, inv.id)).used).toBe(5);
  });

  it('C-INV-24: a claim with a PAT links the member to that account, which then sees the mesh with the member role', async () => {
    const w = world();
    const mesh = await freshMesh(w, 'linking', 0);
    expect((await as(w.base, w.p.nonMember, 'GET', `/api/meshes/${mesh.meshId}`)).status).toBe(404);
    const inv = await w.mint({}, 'owner', mesh.meshId);
    const c = await w.claim(inv.code, { pat: w.p.nonMember.pat });
    expect(c.res.status).toBe(200);
    const seen = await as(w.base, w.p.nonMember, 'GET', `/api/meshes/${mesh.meshId}`);
    expect([seen.status, seen.body.role, seen.body.counts.pendingInvites]).toEqual([200, 'member', null]);
    expect(JSON.stringify(seen.body)).not.toMatch(/code|token|secret|rootKey"/i);
  });

  it('C-INV-13 / C-INV-14 / C-INV-15: v1 join — happy path and already_member without a slot; edited token → bad signature; foreign owner → owner_mismatch; 5 parallel vs maxUses=1 → 1 winner', async () => {
    const w = world();
    const mesh = await freshMesh(w, 'v1', 0);
    const inv = await w.mint({ version: 1, maxUses: 2 }, 'owner', mesh.meshId);
    const c = newClaimant();
    const ok = await join(w, joinBody(inv.token, c));
    expect([ok.status, ok.headers.get('cache-control')]).toEqual([200, 'no-store']);
    expect(ok.body).toMatchObject({ mesh_id: mesh.meshId, mesh_name: 'v1', role: 'member', already_member: false, broker_url: w.base });
    const again = await join(w, joinBody(inv.token, c));
    expect([again.status, again.body.already_member, again.body.member_id]).toEqual([200, true, ok.body.member_id]);
    expect((await counts(w, inv.id)).used).toBe(1);

    const p = decodeV1(inv.token);
    const enc = (o: Record<string, unknown>) => Buffer.from(JSON.stringify(o)).toString('base64url');
    for (const edit of [{ role: 'admin' }, { expires_at: Number(p['expires_at']) + 1 }, { mesh_slug: 'other' }]) {
      const t = enc({ ...p, ...edit });
      expectError(await join(w, joinBody(t, newClaimant())), 400, 'invite_bad_signature', `edited ${Object.keys(edit)[0]}`, { reason: 'signature' });
    }
    expectError(await join(w, joinBody(enc({ ...p, v: 2 }), newClaimant())), 400, 'invite_malformed', 'v 2', { reason: 'malformed' });
    expectError(await join(w, { ...joinBody(inv.token, newClaimant()), proof: joinBody(inv.token, newClaimant()).proof }), 400, 'invalid_proof', 'proof of another key', { reason: 'malformed' });
    // a token signed by a non-owner key whose hash is in the invite table (a fixture) → owner_mismatch
    const stranger = signingKeyFromSeed(seedBytes(0x50));
    const forged: Record<string, unknown> = { ...p, owner_pubkey: hex(stranger.publicKey) };
    forged['signature'] = signHex(Object.values(forged).slice(0, 8).join('|'), stranger.privateKey);
    const forgedToken = enc(forged);
    const { createHash } = await import('node:crypto');
    await w.t.dataSource.query(`UPDATE mesh.invite SET token_hash = $2 WHERE id = $1`, [inv.id, createHash('sha256').update(forgedToken).digest('hex')]);
    expectError(await join(w, joinBody(forgedToken, newClaimant())), 400, 'invite_bad_signature', 'foreign owner', { reason: 'owner_mismatch' });

    const race = await w.mint({ version: 1, maxUses: 1 }, 'owner', mesh.meshId);
    const results: Res[] = await Promise.all(Array.from({ length: 5 }, () => join(w, joinBody(race.token, newClaimant()))));
    expect(results.map((r) => r.status).sort()).toEqual([200, 410, 410, 410, 410]);
    expect(results.filter((r) => r.status === 410).every((r) => r.body.error.code === 'invite_exhausted')).toBe(true);
  });
}
