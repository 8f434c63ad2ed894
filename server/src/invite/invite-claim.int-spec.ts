import { io, type Socket } from 'socket.io-client';
import {
  cryptoReady,
  fromBase64Url,
  generateUuid,
  helloSigningString,
  inviteV2Canonical,
  openSealedRootKey,
  signDetached,
  toHex,
  verifyDetached,
} from '@claudemesh/shared/crypto';
import type { ClaimInviteResponse } from '@claudemesh/shared/dto';
import { MeshKeysService } from '../mesh/mesh-keys.service';
import { createTestApp, type TestApp } from '../testing/test-app';
import { InviteMintService } from './invite-mint.service';
import { claim, claimBody, createMesh, http, mintInvite, newPeer, signupWithPat, type TestPeer } from './invite-test-kit';

/** v2 claims end to end (invites.md §4, §6; C-INV-1…12, 19, 24). Real HTTP, real PostgreSQL, real libsodium. */

/** The recipient's checks of invites.md §4.4; returns the root key or null (abort, nothing saved). */
function recipientAccepts(r: ClaimInviteResponse, peer: TestPeer): Uint8Array | null {
  const parts = r.canonical_v2.split('|');
  if (parts.length !== 6 || parts[0] !== 'v=2' || parts[1] !== r.mesh_id || !/^\d+$/.test(parts[3])) return null;
  if (parts[4] !== r.role || parts[5] !== r.owner_pubkey) return null;
  if (!verifyDetached(r.canonical_v2, r.signature, r.owner_pubkey)) return null;
  return openSealedRootKey(r.sealed_root_key, peer.claimKey.publicKey, peer.claimKey.secretKey);
}

describe('v2 invites: mint and claim (invites.md §4)', () => {
  let t: TestApp;
  let owner: { token: string; accountId: string };
  let keys: MeshKeysService;

  const q = <T = any>(sql: string, params: unknown[] = []): Promise<T[]> => t.dataSource.query(sql, params);
  const inviteRow = async (id: string) => (await q(`SELECT * FROM mesh.invite WHERE id = $1`, [id]))[0];
  const memberCount = async (meshId: string) => Number((await q(`SELECT count(*) AS n FROM mesh.member WHERE mesh_id = $1`, [meshId]))[0].n);

  beforeAll(async () => {
    await cryptoReady();
    t = await createTestApp({
      TRUST_PROXY: 'true',
      ALLOW_SIGNUP: 'true',
      CLAIM_RATE_PER_IP_PER_MIN: '100000',
      CLAIM_RATE_PER_CODE_PER_MIN: '100000',
    });
    owner = await signupWithPat(t.baseUrl, 'owner@example.com', t.setupToken);
    keys = t.app.get(MeshKeysService, { strict: false });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('C-INV-1: canonical_v2 is rebuilt from (mesh, invite id, expiry seconds, role, owner key) and verifies', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'platform');
    const inv = await mintInvite(t.baseUrl, owner.token, mesh.id, { role: 'admin', maxUses: 3, expiresInDays: 2 });
    expect(inv.version).toBe(2);
    expect(inv.code).toMatch(/^[0-9A-Za-z]{8}$/);
    expect(inv.shortUrl).toBe(`${t.baseUrl}/i/${inv.code}`);
    expect(inv.cliCommand).toBe(`claudemesh join ${t.baseUrl}/i/${inv.code}`);
    const expSec = Date.parse(inv.expiresAt) / 1000;
    expect(Number.isInteger(expSec)).toBe(true);
    expect(Math.abs(expSec - (Date.now() / 1000 + 2 * 86400))).toBeLessThan(5);
    const rebuilt = inviteV2Canonical({ meshId: mesh.id, inviteId: inv.id, expiresAtUnix: expSec, role: 'admin', ownerPubkey: mesh.ownerPubkey });
    expect(inv.canonicalV2).toBe(rebuilt);
    expect(inv.ownerPubkey).toBe(mesh.ownerPubkey);
    expect(verifyDetached(rebuilt, inv.signature, mesh.ownerPubkey)).toBe(true);
    const row = await inviteRow(inv.id);
    expect(row.canonical_v2).toBe(rebuilt);
    expect(row.signature_v2).toBe(inv.signature);
    expect(row.token_hash).toBeNull();
    expect(row.token_enc).toBeNull();
    const audit = await q(`SELECT data FROM mesh.audit_event WHERE mesh_id = $1 AND type = 'invite.created'`, [mesh.id]);
    expect(audit).toHaveLength(1);
    expect(audit[0].data).toEqual({ inviteId: inv.id, version: 2, role: 'admin', maxUses: 3, expiresAt: inv.expiresAt, byEmail: false });
  });

  it('C-INV-2: an unsigned v2 row is refused by the CHECK, and minting is one transaction (code retries, then nothing left)', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'atomic');
    await expect(
      q(`INSERT INTO mesh.invite (id, mesh_id, version, code, role, max_uses, expires_at, canonical_v2)
         VALUES ('Zz000000000000000000000000000001', $1, 2, 'unsigned1', 'member', 1, date_trunc('second', now()), 'v=2|x')`, [mesh.id]),
    ).rejects.toThrow(/invite_version_shape/);

    const mint = t.app.get(InviteMintService, { strict: false });
    const first = await mintInvite(t.baseUrl, owner.token, mesh.id);
    const original = mint.codeGenerator;
    try {
      // One collision, then a fresh code: the savepoint keeps the transaction usable.
      const seq = [first.code, 'Fresh123'];
      mint.codeGenerator = () => seq.shift() ?? 'Fresh999';
      const second = await mintInvite(t.baseUrl, owner.token, mesh.id);
      expect(second.code).toBe('Fresh123');
      // Always colliding: 500 after 5 attempts, and no invite or audit row of the attempt survives.
      mint.codeGenerator = () => first.code;
      const before = await q(`SELECT count(*)::int AS n FROM mesh.audit_event WHERE mesh_id = $1`, [mesh.id]);
      const r = await http(t.baseUrl, 'POST', `/api/meshes/${mesh.id}/invites`, { token: owner.token, body: {} });
      expect(r.status).toBe(500);
      expect(r.body.error.code).toBe('internal_error');
      expect(await q(`SELECT id FROM mesh.invite WHERE mesh_id = $1`, [mesh.id])).toHaveLength(2);
      const after = await q(`SELECT count(*)::int AS n FROM mesh.audit_event WHERE mesh_id = $1`, [mesh.id]);
      expect(after[0].n).toBe(before[0].n);
    } finally {
      mint.codeGenerator = original;
    }
  });

  it('C-INV-3: happy-path claim → 200; the sealed key opens to the current root key; used_count 1; peer_pubkey stored', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'happy');
    const inv = await mintInvite(t.baseUrl, owner.token, mesh.id, { maxUses: 2 });
    const peer = newPeer();
    const r = await claim(t.baseUrl, inv.code, claimBody(inv.code, peer, '  alice  '));
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const body = r.body as ClaimInviteResponse;
    expect(Object.keys(body)).toEqual([
      'sealed_root_key', 'mesh_id', 'mesh_name', 'member_id', 'role', 'already_member', 'root_key_epoch',
      'owner_pubkey', 'canonical_v2', 'signature', 'broker_url',
    ]);
    expect(body).toMatchObject({ mesh_id: mesh.id, mesh_name: 'happy', role: 'member', already_member: false, root_key_epoch: 1 });
    expect(body.owner_pubkey).toBe(mesh.ownerPubkey);
    expect(body.canonical_v2).toBe(inv.canonicalV2);
    expect(body.signature).toBe(inv.signature);
    expect(body.broker_url).toBe(t.config.publicUrl);
    expect(body.sealed_root_key).toHaveLength(107);
    expect(fromBase64Url(body.sealed_root_key)).toHaveLength(80);
    const opened = recipientAccepts(body, peer);
    expect(opened).not.toBeNull();
    const current = await keys.currentRootKey(mesh.id);
    expect(toHex(opened!)).toBe(toHex(current.key));
    expect((await inviteRow(inv.id)).used_count).toBe(1);
    const members = await q(`SELECT * FROM mesh.member WHERE id = $1`, [body.member_id]);
    expect(members[0]).toMatchObject({ peer_pubkey: peer.identity.publicKey, display_name: 'alice', role: 'member', invite_id: inv.id, joined_key_epoch: 1 });
    const types = (await q(`SELECT type, data FROM mesh.audit_event WHERE mesh_id = $1 ORDER BY seq`, [mesh.id])).map((a) => a.type);
    expect(types.slice(-2)).toEqual(['member.joined', 'invite.claimed']);
    // The alias answers the same way (here: a second claimant).
    const peer2 = newPeer();
    const r2 = await claim(t.baseUrl, inv.code, claimBody(inv.code, peer2), { alias: true });
    expect(r2.status).toBe(200);
    expect(r2.headers.get('cache-control')).toBe('no-store');
    expect(recipientAccepts(r2.body, peer2)).not.toBeNull();
    expect((await inviteRow(inv.id)).used_count).toBe(2);
  });

  it('C-INV-4: the claimed member connects to /peer with its ed25519 key and receives welcome', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'connect');
    const inv = await mintInvite(t.baseUrl, owner.token, mesh.id);
    const peer = newPeer();
    const r = await claim(t.baseUrl, inv.code, claimBody(inv.code, peer, 'bob'));
    expect(r.status).toBe(200);
    const sessionId = generateUuid();
    const timestamp = Date.now();
    const socket: Socket = io(`${t.baseUrl}/peer`, {
      transports: ['websocket'],
      reconnection: false,
      auth: {
        meshId: mesh.id,
        pubkey: peer.identity.publicKey,
        sessionId,
        timestamp,
        signature: signDetached(helloSigningString(mesh.id, peer.identity.publicKey, sessionId, timestamp), peer.identity.secretKey),
      },
    });
    try {
      const welcome = await new Promise<any>((resolve, reject) => {
        socket.on('welcome', resolve);
        socket.on('connect_error', (e: any) => reject(new Error(`connect_error ${JSON.stringify(e?.data ?? e?.message)}`)));
        setTimeout(() => reject(new Error('no welcome within 10 s')), 10_000);
      });
      expect(welcome).toBeTruthy();
      expect(JSON.stringify(welcome)).toContain(r.body.member_id);
    } finally {
      socket.disconnect();
    }
  });

  it('C-INV-5: malformed keys, names or proofs → 400 and no slot or member is used', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'malformed');
    const inv = await mintInvite(t.baseUrl, owner.token, mesh.id, { maxUses: 1 });
    const peer = newPeer();
    const good = claimBody(inv.code, peer);
    const key32 = fromBase64Url(good.recipient_x25519_pubkey)!;
    const std = Buffer.from(key32).toString('base64'); // standard, padded
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['31-byte key', { ...good, recipient_x25519_pubkey: Buffer.from(key32.slice(0, 31)).toString('base64url') }, 'validation_failed'],
      ['padded base64url key', { ...good, recipient_x25519_pubkey: good.recipient_x25519_pubkey + '=' }, 'validation_failed'],
      ['standard base64 key', { ...good, recipient_x25519_pubkey: std }, 'validation_failed'],
      ['uppercase peer_pubkey', { ...good, peer_pubkey: good.peer_pubkey.toUpperCase() }, 'validation_failed'],
      ['short peer_pubkey', { ...good, peer_pubkey: good.peer_pubkey.slice(2) }, 'validation_failed'],
      ['empty display_name', { ...good, display_name: '   ' }, 'validation_failed'],
      ['control char in display_name', { ...good, display_name: 'a\u0007b' }, 'validation_failed'],
      ['unknown field', { ...good, extra: 1 }, 'validation_failed'],
      ['missing proof', { ...good, proof: undefined }, 'validation_failed'],
      ['wrong proof', { ...good, proof: claimBody(inv.code, newPeer()).proof }, 'invalid_proof'],
      ['proof for another code', { ...good, proof: claimBody('Other123', peer).proof }, 'invalid_proof'],
    ];
    for (const [name, body, code] of cases) {
      const r = await claim(t.baseUrl, inv.code, body);
      expect({ name, status: r.status, code: r.body.error?.code, reason: r.body.error?.details?.reason }).toEqual({
        name, status: 400, code, reason: 'malformed',
      });
      if (code === 'validation_failed') expect(Array.isArray(r.body.error.details.fields)).toBe(true);
    }
    const notJson = await http(t.baseUrl, 'POST', `/api/public/invites/${inv.code}/claim`, { body: '[1,2]' });
    expect(notJson.status).toBe(400);
    expect((await inviteRow(inv.id)).used_count).toBe(0);
    expect(await memberCount(mesh.id)).toBe(0);
    // The untouched slot is still there.
    expect((await claim(t.baseUrl, inv.code, good)).status).toBe(200);
  });

  it('C-INV-6: unknown code → 404 invite_not_found; "ab$" → 400 invite_malformed', async () => {
    const body = claimBody('nonexistent', newPeer());
    const r1 = await claim(t.baseUrl, 'nonexistent', body);
    expect(r1.status).toBe(404);
    expect(r1.body.error).toMatchObject({ code: 'invite_not_found', details: { reason: 'not_found' } });
    const r2 = await claim(t.baseUrl, 'ab$', claimBody('ab$', newPeer()));
    expect(r2.status).toBe(400);
    expect(r2.body.error).toMatchObject({ code: 'invite_malformed', details: { reason: 'malformed' } });
    // The code is checked before the body.
    const r3 = await claim(t.baseUrl, 'ab$', {});
    expect(r3.body.error.code).toBe('invite_malformed');
  });

  it('C-INV-7: 200 concurrent claims with distinct keys vs maxUses=5 → exactly 5 successes, the rest invite_exhausted', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'race');
    const inv = await mintInvite(t.baseUrl, owner.token, mesh.id, { maxUses: 5 });
    const results = await Promise.all(
      Array.from({ length: 200 }, () => {
        const p = newPeer();
        return claim(t.baseUrl, inv.code, claimBody(inv.code, p));
      }),
    );
    const ok = results.filter((r) => r.status === 200);
    const exhausted = results.filter((r) => r.status === 410 && r.body.error.code === 'invite_exhausted');
    expect(ok).toHaveLength(5);
    expect(exhausted).toHaveLength(195);
    expect(new Set(ok.map((r) => r.body.member_id)).size).toBe(5);
    expect((await inviteRow(inv.id)).used_count).toBe(5);
    expect(await memberCount(mesh.id)).toBe(5);
    const claimed = await q(`SELECT count(*)::int AS n FROM mesh.audit_event WHERE mesh_id = $1 AND type = 'invite.claimed'`, [mesh.id]);
    expect(claimed[0].n).toBe(5);
  });

  it('C-INV-8: 20 concurrent claims with the same peer_pubkey → all 200, one member_id, used_count 1', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'same-key');
    const inv = await mintInvite(t.baseUrl, owner.token, mesh.id, { maxUses: 5 });
    const identity = newPeer().identity;
    const peers = Array.from({ length: 20 }, () => ({ identity, claimKey: newPeer().claimKey }));
    const results = await Promise.all(peers.map((p) => claim(t.baseUrl, inv.code, claimBody(inv.code, p))));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(new Set(results.map((r) => r.body.member_id)).size).toBe(1);
    expect(results.filter((r) => r.body.already_member === false)).toHaveLength(1);
    // Each answer is sealed to its own recipient key.
    results.forEach((r, i) => expect(recipientAccepts(r.body, peers[i])).not.toBeNull());
    expect((await inviteRow(inv.id)).used_count).toBe(1);
    expect(await memberCount(mesh.id)).toBe(1);
  });

  it('C-INV-9: revoked, expired, exhausted and archived each give their own 410, before any signature check', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'lifecycle');
    const mk = () => mintInvite(t.baseUrl, owner.token, mesh.id, { maxUses: 1 });
    const tamper = (id: string) => q(`UPDATE mesh.invite SET signature_v2 = repeat('0', 128) WHERE id = $1`, [id]);

    const revoked = await mk();
    expect((await http(t.baseUrl, 'DELETE', `/api/meshes/${mesh.id}/invites/${revoked.id}`, { token: owner.token })).status).toBe(200);
    await tamper(revoked.id);
    const expired = await mk();
    await q(`UPDATE mesh.invite SET expires_at = date_trunc('second', now()) - interval '1 second' WHERE id = $1`, [expired.id]);
    await tamper(expired.id);
    const exhausted = await mk();
    expect((await claim(t.baseUrl, exhausted.code, claimBody(exhausted.code, newPeer()))).status).toBe(200);
    await tamper(exhausted.id);

    const expectCode = async (code: string, err: string, reason: string) => {
      const r = await claim(t.baseUrl, code, claimBody(code, newPeer()));
      expect({ status: r.status, code: r.body.error?.code, reason: r.body.error?.details?.reason }).toEqual({ status: 410, code: err, reason });
    };
    await expectCode(revoked.code, 'invite_revoked', 'revoked');
    await expectCode(expired.code, 'invite_expired', 'expired');
    await expectCode(exhausted.code, 'invite_exhausted', 'exhausted');

    const live = await mk();
    await tamper(live.id);
    expect((await http(t.baseUrl, 'POST', `/api/meshes/${mesh.id}/archive`, { token: owner.token })).status).toBe(200);
    await expectCode(live.code, 'mesh_archived', 'mesh_archived');
    await expectCode(revoked.code, 'invite_revoked', 'revoked');
  });

  it('C-INV-10: a row whose role or expiry was changed, or whose signature was flipped → 400 invite_bad_signature', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'tamper');
    const a = await mintInvite(t.baseUrl, owner.token, mesh.id);
    const b = await mintInvite(t.baseUrl, owner.token, mesh.id);
    const c = await mintInvite(t.baseUrl, owner.token, mesh.id);
    await q(`UPDATE mesh.invite SET role = 'admin' WHERE id = $1`, [a.id]);
    await q(`UPDATE mesh.invite SET expires_at = expires_at + interval '1 day' WHERE id = $1`, [b.id]);
    const flipped = (c.signature[0] === 'f' ? '0' : (parseInt(c.signature[0], 16) + 1).toString(16)) + c.signature.slice(1);
    await q(`UPDATE mesh.invite SET signature_v2 = $2 WHERE id = $1`, [c.id, flipped]);
    for (const inv of [a, b, c]) {
      const r = await claim(t.baseUrl, inv.code, claimBody(inv.code, newPeer()));
      expect({ status: r.status, code: r.body.error?.code, reason: r.body.error?.details?.reason }).toEqual({
        status: 400, code: 'invite_bad_signature', reason: 'bad_signature',
      });
      expect((await inviteRow(inv.id)).used_count).toBe(0);
    }
    expect(await memberCount(mesh.id)).toBe(0);
  });

  it('C-INV-11: claiming a v1 invite code → 409 invite_version_mismatch', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'v1-code');
    const v1 = await mintInvite(t.baseUrl, owner.token, mesh.id, { version: 1 });
    const r = await claim(t.baseUrl, v1.code, claimBody(v1.code, newPeer()));
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'invite_version_mismatch', details: { reason: 'version_mismatch' } });
  });

  it('C-INV-12: a key removed after the invite was created → 403 member_removed; a newer invite rejoins the same row', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'removed');
    const old = await mintInvite(t.baseUrl, owner.token, mesh.id, { maxUses: 5 });
    const peer = newPeer();
    const first = await claim(t.baseUrl, old.code, claimBody(old.code, peer));
    expect(first.status).toBe(200);
    const del = await http(t.baseUrl, 'DELETE', `/api/meshes/${mesh.id}/members/${first.body.member_id}`, { token: owner.token });
    expect(del.status).toBe(200);
    const again = await claim(t.baseUrl, old.code, claimBody(old.code, peer));
    expect(again.status).toBe(403);
    expect(again.body.error).toMatchObject({ code: 'member_removed', details: { reason: 'member_removed' } });
    await new Promise((r) => setTimeout(r, 5)); // created strictly after the removal
    const fresh = await mintInvite(t.baseUrl, owner.token, mesh.id, { role: 'admin' });
    const back = await claim(t.baseUrl, fresh.code, claimBody(fresh.code, peer, 'back'));
    expect(back.status).toBe(200);
    expect(back.body.member_id).toBe(first.body.member_id);
    expect(back.body.already_member).toBe(false);
    expect(back.body.role).toBe('admin');
    expect(back.body.root_key_epoch).toBe(2); // the removal rotated the key
    expect(toHex(recipientAccepts(back.body, peer)!)).toBe(toHex((await keys.currentRootKey(mesh.id)).key));
    const row = (await q(`SELECT * FROM mesh.member WHERE id = $1`, [first.body.member_id]))[0];
    expect(row).toMatchObject({ revoked_at: null, role: 'admin', invite_id: fresh.id, joined_key_epoch: 2 });
    expect(await memberCount(mesh.id)).toBe(1);
  });

  it('C-INV-19: the claim carries a signature; one changed byte of canonical_v2 makes the recipient reject it', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'verify');
    const inv = await mintInvite(t.baseUrl, owner.token, mesh.id);
    const peer = newPeer();
    const r = await claim(t.baseUrl, inv.code, claimBody(inv.code, peer));
    expect(r.status).toBe(200);
    expect(r.body.signature).toMatch(/^[0-9a-f]{128}$/);
    expect(recipientAccepts(r.body, peer)).not.toBeNull();
    const c = r.body.canonical_v2 as string;
    const i = c.lastIndexOf('|') - 1; // a digit of the expiry
    const changed = c.slice(0, i) + (c[i] === '1' ? '2' : '1') + c.slice(i + 1);
    expect(recipientAccepts({ ...r.body, canonical_v2: changed }, peer)).toBeNull();
  });

  it('C-INV-24: a claim with a valid PAT links the member; the account then reads the mesh', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'linked');
    const inv = await mintInvite(t.baseUrl, owner.token, mesh.id);
    const bob = await signupWithPat(t.baseUrl, 'bob@example.com', null);
    expect((await http(t.baseUrl, 'GET', `/api/meshes/${mesh.id}`, { token: bob.token })).status).toBe(404);
    const bad = await claim(t.baseUrl, inv.code, claimBody(inv.code, newPeer()), { token: 'cmpat_' + 'x'.repeat(40) });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('unauthenticated');
    const r = await claim(t.baseUrl, inv.code, claimBody(inv.code, newPeer()), { token: bob.token });
    expect(r.status).toBe(200);
    const row = (await q(`SELECT account_id FROM mesh.member WHERE id = $1`, [r.body.member_id]))[0];
    expect(row.account_id).toBe(bob.accountId);
    const got = await http(t.baseUrl, 'GET', `/api/meshes/${mesh.id}`, { token: bob.token });
    expect(got.status).toBe(200);
    expect(got.body.role).toBe('member');
  });
});
