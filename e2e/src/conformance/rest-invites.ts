/**
 * invites.md from an integrator's side: the contract's own test vectors through this suite's libsodium code, minting
 * (canonical bytes and signatures rebuilt and verified here), /i/:code, the code resolver, the consent landing data in
 * every state, and expiry at the second boundary.
 */
import { expectError } from './rest-assert';
import { b64url, canonicalV2, claimSigningString, fromB64url, hex, seedBytes, signHex, signingKeyFromSeed, verifyHex, x25519FromEd25519 } from './rest-sodium';
import { as, freshMesh, http, type Res, type World } from './rest-world';

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/;
const V1_KEYS = ['v', 'mesh_id', 'mesh_slug', 'broker_url', 'expires_at', 'mesh_root_key', 'role', 'owner_pubkey', 'signature'];
const LANDING_KEYS = [
  'status', 'version', 'code', 'mesh', 'inviter', 'role', 'roleCapabilities', 'memberCount', 'onlineCount', 'maxUses', 'usedCount', 'usesRemaining',
  'expiresAt', 'revokedAt', 'shortUrl', 'cliCommand', 'installCommand', 'ownerKeyFingerprint', 'consent',
];
const MEMBER_CAPS = ['send_receive', 'see_peers', 'read_audit'];
const ADMIN_CAPS = [...MEMBER_CAPS, 'manage_invites', 'manage_members', 'manage_mesh'];
const CONSENT = ['local_keypair', 'e2e_direct', 'group_key', 'metadata_visible', 'audit_log', 'leave_anytime'];

/** Sets an invite's expiry in whole seconds relative to the database clock (the CHECK wants whole seconds). */
export const setExpiry = (w: World, inviteId: string, secondsFromNow: number) =>
  w.t.dataSource.query(`UPDATE mesh.invite SET expires_at = date_trunc('second', now()) + make_interval(secs => $2) WHERE id = $1`, [inviteId, secondsFromNow]);

/** The v1 canonical string of invites.md §3.2, from a decoded payload. */
const v1Canonical = (p: Record<string, unknown>) => V1_KEYS.slice(0, 8).map((k) => String(p[k])).join('|');
export const decodeV1 = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));

const landing = (w: World, ref: string) => http(w.base, 'GET', `/api/public/invites/${ref}`);
const resolveCode = (w: World, code: string) => http(w.base, 'GET', `/api/public/invite-code/${code}`);
const follow = (w: World, code: string) => http(w.base, 'GET', `/i/${code}`);

export function inviteTests(world: () => World): void {
  it('C-INV-1 (vectors): this suite reproduces invites.md §10 — owner key, v2 and v1 signatures, the claim proof', () => {
    const owner = signingKeyFromSeed(seedBytes(0x00));
    expect(hex(owner.publicKey)).toBe('03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8');
    const v2 = canonicalV2('A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv', 'hzpu8MZRN6v2punL8ASdsA78jco40AGp', 1796724000, 'member', hex(owner.publicKey));
    expect(Buffer.byteLength(v2)).toBe(152);
    expect(signHex(v2, owner.privateKey)).toBe('9bd8bc3a90bf3207f312ccd91021742eceaa8a3cca9a64f262883d4e31c7e3895d5b2f49aa827753196ced7f5e787bd649915c05218167ebc55a52fa1c80ee04');
    const v1 = `1|A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv|platform|https://mesh.example.com|1796724000|QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8|member|${hex(owner.publicKey)}`;
    expect(signHex(v1, owner.privateKey)).toBe('b349dca6e478b4a6845904ed74c69eb79fca1614ea87442b1d74154b3526f9565ee9982b966d859ba32b0701533ad89600d5526c0100d47d8a8ed3f2a9d6b00a');
    const peer = signingKeyFromSeed(seedBytes(0x20));
    const x = b64url(x25519FromEd25519(peer.publicKey));
    expect(x).toBe('VzCACrNA_LGM5REe2p1wX5E4i0HkVEy9EDullC2yIz4');
    expect(claimSigningString('HXQEhdlw', x)).toBe(['claudemesh-claim', 'v2', 'HXQEhdlw', 'VzCACrNA_LGM5REe2p1wX5E4i0HkVEy9EDullC2yIz4'].join('|'));
    expect(signHex(claimSigningString('HXQEhdlw', x), peer.privateKey)).toBe(
      '0674f27ef7000aabceac965d77c3c9a214dddae2ef8ed9b7aa311809dd4e090071cd2cc7c4dd2c88466e9b290e31ebf899bac08ca383226bbc6b0e4f195bdc00',
    );
  });

  it('C-INV-1: a minted v2 invite carries the invite object and canonical bytes rebuilt here byte for byte, signed by the mesh owner key', async () => {
    const w = world();
    for (const body of [{}, { role: 'admin', maxUses: 1000, expiresInDays: 365 }, { role: 'member', maxUses: 3, expiresInDays: 1 }] as Record<string, unknown>[]) {
      const before = Math.floor(Date.now() / 1000);
      const r = await as(w.base, w.p.admin, 'POST', `/api/meshes/${w.meshId}/invites`, { body });
      const after = Math.floor(Date.now() / 1000);
      expect(r.status).toBe(201);
      const inv = r.body;
      const days = (body.expiresInDays as number) ?? 7;
      expect(inv).toMatchObject({
        version: 2, role: body.role ?? 'member', maxUses: body.maxUses ?? 1, usedCount: 0, status: 'valid', revokedAt: null, email: null, acceptedAt: null,
        shortUrl: `${w.base}/i/${inv.code}`, createdBy: { accountId: w.p.admin.accountId, displayName: 'admin' }, ownerPubkey: w.ownerPubkey,
      });
      expect(inv.id).toMatch(/^[0-9A-Za-z]{32}$/);
      expect(inv.code).toMatch(/^[0-9A-Za-z]{8}$/);
      expect([ISO_MS.test(inv.expiresAt), /\.\d{3}Z$/.test(inv.createdAt)]).toEqual([true, true]);
      const unix = Date.parse(inv.expiresAt) / 1000;
      expect(unix).toBeGreaterThanOrEqual(before + days * 86400);
      expect(unix).toBeLessThanOrEqual(after + days * 86400);
      expect(inv.canonicalV2).toBe(canonicalV2(w.meshId, inv.id, unix, inv.role, w.ownerPubkey));
      expect(verifyHex(inv.canonicalV2, inv.signature, w.ownerPubkey)).toBe(true);
      expect(inv.cliCommand).toContain(inv.shortUrl);
      expect(inv).not.toHaveProperty('token');
      const listed = (await as(w.base, w.p.admin, 'GET', `/api/meshes/${w.meshId}/invites?status=valid&limit=200`)).body.data.find((x: any) => x.id === inv.id);
      expect(listed).toMatchObject({ id: inv.id, code: inv.code, status: 'valid', expiresAt: inv.expiresAt });
    }
  });

  it('invites.md §3: a v1 invite is a compact token with the nine keys in order, its canonical string verifies here; v1 + email → 400', async () => {
    const w = world();
    const r = await as(w.base, w.p.admin, 'POST', `/api/meshes/${w.meshId}/invites`, { body: { version: 1, role: 'admin' } });
    expect(r.status).toBe(201);
    const { token, joinUrl, code } = r.body;
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(joinUrl).toBe(`${w.base}/join/${token}`);
    const json = Buffer.from(token, 'base64url').toString('utf8');
    expect(json).not.toMatch(/\s/);
    const p = decodeV1(token);
    expect(Object.keys(p)).toEqual(V1_KEYS);
    expect(p).toMatchObject({ v: 1, mesh_id: w.meshId, mesh_slug: 'platform', broker_url: w.base, role: 'admin', owner_pubkey: w.ownerPubkey });
    expect([String(p['mesh_root_key']).length, fromB64url(String(p['mesh_root_key'])).length]).toEqual([43, 32]);
    expect(p['expires_at']).toBe(Date.parse(r.body.expiresAt) / 1000);
    expect(verifyHex(v1Canonical(p), String(p['signature']), w.ownerPubkey)).toBe(true);
    expect(r.body).not.toHaveProperty('canonicalV2');
    expect(code).toMatch(/^[0-9A-Za-z]{8}$/);
    const withEmail = await as(w.base, w.p.admin, 'POST', `/api/meshes/${w.meshId}/invites`, { body: { version: 1, email: 'v1@example.com' } });
    expectError(withEmail, 400, 'validation_failed', 'v1 with email');
  });

  it('C-INV-16 / C-INV-17: /i/:code always redirects (v1 valid → token, everything else → the code); the resolver answers 200, 404, 410 and never a dead v1 token', async () => {
    const w = world();
    const v2 = await w.mint({}, 'admin');
    const v1 = await w.mint({ version: 1 }, 'admin');
    const v1dead = await w.mint({ version: 1 }, 'admin');
    const v2dead = await w.mint({}, 'admin');
    for (const id of [v1dead.id, v2dead.id]) expect((await as(w.base, w.p.admin, 'DELETE', `/api/meshes/${w.meshId}/invites/${id}`)).status).toBe(200);
    const cases: [string, string][] = [
      [v2.code, `/join/${v2.code}`], [v1.code, `/join/${v1.token}`], [v1dead.code, `/join/${v1dead.code}`], [v2dead.code, `/join/${v2dead.code}`],
      ['nonexistent', '/join/nonexistent'], ['ab$', '/join/ab%24'], ['Z'.repeat(64), `/join/${'Z'.repeat(64)}`], ['a%20b', '/join/a%20b'],
    ];
    for (const [code, location] of cases) {
      const r = await follow(w, code);
      expect([code, r.status, r.headers.get('location'), r.headers.get('cache-control'), r.headers.get('referrer-policy')]).toEqual([code, 302, location, 'no-store', 'no-referrer']);
    }
    const ok2 = await resolveCode(w, v2.code);
    expect([ok2.status, ok2.body, ok2.headers.get('cache-control')]).toEqual([200, { token: v2.code, version: 2 }, 'no-store']);
    expect((await resolveCode(w, v1.code)).body).toEqual({ token: v1.token, version: 1 });
    const dead = await resolveCode(w, v1dead.code);
    expectError(dead, 410, 'invite_revoked', 'dead v1');
    expect(dead.text).not.toContain(v1dead.token);
    expect(dead.headers.get('cache-control')).toBe('no-store');
    expectError(await resolveCode(w, v2dead.code), 410, 'invite_revoked', 'dead v2');
    expectError(await resolveCode(w, 'nonexistent'), 404, 'invite_not_found', 'unknown');
  });

  it('C-INV-18: the consent landing data has the shape of invites.md §8 and every status: valid, revoked, exhausted, expired, mesh_archived', async () => {
    const w = world();
    const valid = await w.mint({ maxUses: 5, role: 'admin' }, 'admin');
    const r = await landing(w, valid.code);
    expect([r.status, r.headers.get('cache-control')]).toEqual([200, 'no-store']);
    expect(Object.keys(r.body).sort()).toEqual([...LANDING_KEYS].sort());
    const members = (await as(w.base, w.p.owner, 'GET', `/api/meshes/${w.meshId}/members?limit=200`)).body.data.length;
    expect(r.body).toEqual({
      status: 'valid', version: 2, code: valid.code, mesh: { name: 'platform', slug: 'platform' }, inviter: { displayName: 'admin' }, role: 'admin',
      roleCapabilities: ADMIN_CAPS, memberCount: members, onlineCount: expect.any(Number), maxUses: 5, usedCount: 0, usesRemaining: 5, expiresAt: valid.expiresAt,
      revokedAt: null, shortUrl: valid.shortUrl, cliCommand: `claudemesh join ${valid.shortUrl}`, installCommand: `npm i -g ${w.base}/cli/claudemesh.tgz`,
      ownerKeyFingerprint: w.ownerPubkey.slice(0, 16).match(/.{4}/g)!.join(' '), consent: CONSENT,
    });
    expect((await landing(w, (await w.mint({}, 'admin')).code)).body.roleCapabilities).toEqual(MEMBER_CAPS);

    const revoked = await w.mint({}, 'admin');
    await as(w.base, w.p.admin, 'DELETE', `/api/meshes/${w.meshId}/invites/${revoked.id}`);
    const rv = (await landing(w, revoked.code)).body;
    expect([rv.status, typeof rv.revokedAt, rv.shortUrl, rv.cliCommand, rv.installCommand]).toEqual(['revoked', 'string', null, null, null]);

    const used = await w.mint({ maxUses: 1 }, 'admin');
    expect((await w.claim(used.code)).res.status).toBe(200);
    const ex = (await landing(w, used.code)).body;
    expect([ex.status, ex.usedCount, ex.usesRemaining, ex.shortUrl]).toEqual(['exhausted', 1, 0, null]);

    const old = await w.mint({}, 'admin');
    await setExpiry(w, old.id, -1);
    expect((await landing(w, old.code)).body.status).toBe('expired');

    // an archived mesh shows as mesh_archived, after revoked in the order of §6.1; counts leave removed members out
    const mesh = await freshMesh(w, 'landing', 2);
    const live = await w.mint({}, 'admin', mesh.meshId);
    const dead = await w.mint({}, 'admin', mesh.meshId);
    const count0 = (await landing(w, live.code)).body.memberCount;
    await as(w.base, w.p.owner, 'DELETE', `/api/meshes/${mesh.meshId}/members/${mesh.peers[0].memberId}`);
    expect((await landing(w, live.code)).body.memberCount).toBe(count0 - 1);
    await as(w.base, w.p.owner, 'DELETE', `/api/meshes/${mesh.meshId}/invites/${dead.id}`);
    expect((await as(w.base, w.p.owner, 'POST', `/api/meshes/${mesh.meshId}/archive`)).status).toBe(200);
    const ar = (await landing(w, live.code)).body;
    expect([ar.status, ar.shortUrl, (await landing(w, dead.code)).body.status]).toEqual(['mesh_archived', null, 'revoked']);
    expectError(await resolveCode(w, live.code), 410, 'mesh_archived', 'resolver on an archived mesh');
  });

  it('invites.md §5/§8: a v1 token as the landing ref is checked like a join (malformed, bad signature, unknown); a valid one lands with version 1', async () => {
    const w = world();
    const v1 = await w.mint({ version: 1 }, 'admin');
    const ok = await landing(w, v1.token);
    expect([ok.status, ok.body.status, ok.body.version, ok.body.code]).toEqual([200, 'valid', 1, v1.code]);
    const p = decodeV1(v1.token);
    const edited = Buffer.from(JSON.stringify({ ...p, role: p['role'] === 'admin' ? 'member' : 'admin' })).toString('base64url');
    expectError(await landing(w, edited), 400, 'invite_bad_signature', 'edited v1 token');
    const notPayload = Buffer.from(JSON.stringify({ not: 'a token', pad: 'x'.repeat(60) })).toString('base64url'); // > 64 chars: not a code
    expectError(await landing(w, notPayload), 400, 'invite_malformed', 'JSON that is not a payload');
    expectError(await landing(w, '!!!not-base64!!!'), 400, 'invite_malformed', 'not base64url');
    // a well-signed token that no invite row holds
    const stranger = signingKeyFromSeed(seedBytes(0x40));
    const forged: Record<string, unknown> = { ...p, owner_pubkey: hex(stranger.publicKey) };
    forged['signature'] = signHex(v1Canonical(forged), stranger.privateKey);
    expectError(await landing(w, Buffer.from(JSON.stringify(forged)).toString('base64url')), 404, 'invite_not_found', 'unknown but well signed');
  });

  it('invites.md §1: an invite is expired from the second expires_at is reached (now ≥ expires_at), in every read and in the claim', async () => {
    const w = world();
    const inv = await w.mint({ maxUses: 2 }, 'admin');
    await setExpiry(w, inv.id, 5);
    expect((await landing(w, inv.code)).body.status).toBe('valid');
    await setExpiry(w, inv.id, 0); // now() is at or past the truncated second
    const claim = await w.claim(inv.code);
    expectError(claim.res, 410, 'invite_expired', 'claim at expires_at', { reason: 'expired' });
    expect((await landing(w, inv.code)).body).toMatchObject({ status: 'expired', usedCount: 0, shortUrl: null });
    expectError(await resolveCode(w, inv.code), 410, 'invite_expired', 'resolver');
    const listed: Res = await as(w.base, w.p.admin, 'GET', `/api/meshes/${w.meshId}/invites?status=expired&limit=200`);
    expect(listed.body.data.find((x: any) => x.id === inv.id)?.status).toBe('expired');
    expect((await as(w.base, w.p.admin, 'GET', `/api/meshes/${w.meshId}/invites?status=valid&limit=200`)).body.data.some((x: any) => x.id === inv.id)).toBe(false);
  });

  it('invites.md §9: email invites — mail row stored, 409 invite_already_pending with inviteId, resend 429 with Retry-After, not_email_invite 409, revoked 410', async () => {
    const w = world();
    const M = `/api/meshes/${w.meshId}/invites`;
    const first = await as(w.base, w.p.admin, 'POST', M, { body: { email: '  Guest.Person@Example.com ' } });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ version: 2, email: 'guest.person@example.com', mail: { transport: 'outbox', status: 'stored', outboxId: expect.stringMatching(/^[0-9A-Za-z]{32}$/) } });
    const again = await as(w.base, w.p.admin, 'POST', M, { body: { email: 'guest.person@example.com' } });
    expectError(again, 409, 'invite_already_pending', 'same address');
    expect(again.body.error.details.inviteId).toBe(first.body.id);
    const soon = await as(w.base, w.p.admin, 'POST', `${M}/${first.body.id}/resend`);
    expectError(soon, 429, 'resend_too_soon', 'resend within 60 s');
    expect(Number(soon.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(soon.body.error.details.retryAfterMs).toBeGreaterThan(0);
    const plain = await w.mint({}, 'admin');
    expectError(await as(w.base, w.p.admin, 'POST', `${M}/${plain.id}/resend`), 409, 'not_email_invite', 'link invite');
    await as(w.base, w.p.admin, 'DELETE', `${M}/${first.body.id}`);
    expectError(await as(w.base, w.p.admin, 'POST', `${M}/${first.body.id}/resend`), 410, 'invite_revoked', 'revoked');
    const outbox = (await as(w.base, w.p.admin, 'GET', `/api/mail-outbox?meshId=${w.meshId}&limit=200`)).body.data.find((x: any) => x.id === first.body.mail.outboxId);
    expect(outbox).toMatchObject({ to: 'guest.person@example.com', inviteId: first.body.id, status: 'cancelled' });
    expect(outbox.text).toContain(first.body.shortUrl);
    expect((await as(w.base, w.p.admin, 'POST', M, { body: { email: 'guest.person@example.com' } })).status).toBe(201);
  });
}
