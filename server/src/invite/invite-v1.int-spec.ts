import {
  AtRestContext,
  buildInviteV1Token,
  cryptoReady,
  fromUtf8,
  generateId,
  generateSigningKeyPair,
  inviteTokenHash,
  parseInviteV1Token,
  randomRootKey,
  sha256Hex,
  toBase64Url,
  utf8,
} from '@claudemesh/shared/crypto';
import { CONSENT_KEYS, ROLE_CAPABILITIES } from '@claudemesh/shared/dto';
import { KeyringService } from '../crypto/keyring.service';
import { createTestApp, type TestApp } from '../testing/test-app';
import { claim, claimBody, createMesh, http, joinBody, mintInvite, newPeer, nextIp, signupWithPat } from './invite-test-kit';

/** v1 tokens, short links, the code resolver, the landing data and the public rate limits (C-INV-13…18, C-SEC-6). */
describe('v1 invites, resolution and landing (invites.md §3, §5, §8)', () => {
  let t: TestApp;
  let owner: { token: string; accountId: string };
  const q = <T = any>(sql: string, params: unknown[] = []): Promise<T[]> => t.dataSource.query(sql, params);
  const inviteRow = async (id: string) => (await q(`SELECT * FROM mesh.invite WHERE id = $1`, [id]))[0];
  const join = (body: unknown, ip = nextIp()) => http(t.baseUrl, 'POST', '/api/public/join', { body, headers: { 'x-forwarded-for': ip } });
  const get = (path: string, ip = nextIp()) => http(t.baseUrl, 'GET', path, { headers: { 'x-forwarded-for': ip }, redirect: 'manual' });

  beforeAll(async () => {
    await cryptoReady();
    // Default claim limits (20/min per IP, 30/min per code); distinct X-Forwarded-For per simulated client.
    t = await createTestApp({ TRUST_PROXY: 'true', ALLOW_SIGNUP: 'true', MAX_MEMBERS_PER_MESH: '3' });
    owner = await signupWithPat(t.baseUrl, 'owner@example.com', t.setupToken);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('C-INV-13: v1 mint returns token, code, shortUrl and joinUrl; redemption is idempotent for the same pubkey', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'platform');
    const inv = await mintInvite(t.baseUrl, owner.token, mesh.id, { version: 1, maxUses: 2 });
    expect(inv).toMatchObject({ version: 1, role: 'member', maxUses: 2, usedCount: 0, status: 'valid' });
    expect(inv.code).toMatch(/^[0-9A-Za-z]{8}$/);
    expect(inv.shortUrl).toBe(`${t.baseUrl}/i/${inv.code}`);
    expect(inv.joinUrl).toBe(`${t.baseUrl}/join/${inv.token}`);
    const payload = parseInviteV1Token(inv.token)!;
    expect(Object.keys(payload)).toEqual(['v', 'mesh_id', 'mesh_slug', 'broker_url', 'expires_at', 'mesh_root_key', 'role', 'owner_pubkey', 'signature']);
    expect(payload).toMatchObject({ v: 1, mesh_id: mesh.id, mesh_slug: 'platform', broker_url: t.config.publicUrl, owner_pubkey: mesh.ownerPubkey });
    expect(payload.expires_at).toBe(Date.parse(inv.expiresAt) / 1000);
    // Stored by hash, encrypted at rest; the plaintext token is nowhere in the row.
    const row = await inviteRow(inv.id);
    expect(row.token_hash).toBe(sha256Hex(inv.token));
    expect(row.token_enc.startsWith('enc1:')).toBe(true);
    expect(JSON.stringify(row)).not.toContain(inv.token);
    expect(fromUtf8(t.app.get(KeyringService).decrypt(AtRestContext.v1Token(inv.id), row.token_enc))).toBe(inv.token);

    const peer = newPeer();
    const r1 = await join(joinBody(inv.token, peer, 'carol'));
    expect(r1.status).toBe(200);
    expect(Object.keys(r1.body)).toEqual(['member_id', 'mesh_id', 'mesh_name', 'role', 'already_member', 'broker_url', 'owner_pubkey', 'root_key_epoch']);
    expect(r1.body).toMatchObject({ mesh_id: mesh.id, mesh_name: 'platform', role: 'member', already_member: false, root_key_epoch: 1, owner_pubkey: mesh.ownerPubkey });
    expect((await inviteRow(inv.id)).used_count).toBe(1);
    const r2 = await join(joinBody(inv.token, peer, 'carol'));
    expect(r2.status).toBe(200);
    expect(r2.body).toMatchObject({ member_id: r1.body.member_id, already_member: true });
    expect((await inviteRow(inv.id)).used_count).toBe(1);
    const audit = await q(`SELECT data FROM mesh.audit_event WHERE mesh_id = $1 AND type = 'member.joined'`, [mesh.id]);
    expect(audit.map((a) => a.data.via)).toEqual(['v1']);
  });

  it('C-INV-13: two v1 invites minted in the same second still get distinct tokens (expiry moved a second)', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'twins');
    const [a, b] = await Promise.all([
      mintInvite(t.baseUrl, owner.token, mesh.id, { version: 1 }),
      mintInvite(t.baseUrl, owner.token, mesh.id, { version: 1 }),
    ]);
    expect(a.token).not.toBe(b.token);
    expect(Math.abs(Date.parse(a.expiresAt) - Date.parse(b.expiresAt))).toBeLessThanOrEqual(2000);
    expect(parseInviteV1Token(a.token)!.expires_at).toBe(Date.parse(a.expiresAt) / 1000);
    expect(parseInviteV1Token(b.token)!.expires_at).toBe(Date.parse(b.expiresAt) / 1000);
  });

  it('C-INV-13: join input errors: malformed token, bad fields, bad proof → 400 and no slot used', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'join-input');
    const inv = await mintInvite(t.baseUrl, owner.token, mesh.id, { version: 1 });
    const good = joinBody(inv.token, newPeer());
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...good, invite_token: 'not-a-token' }, 'invite_malformed'],
      [{ ...good, invite_token: inv.token + 'A' }, 'invite_malformed'],
      [{ ...good, display_name: '' }, 'validation_failed'],
      [{ ...good, peer_pubkey: 'zz' }, 'validation_failed'],
      [{ ...good, extra: true }, 'validation_failed'],
      [{ ...good, proof: joinBody(inv.token, newPeer()).proof }, 'invalid_proof'],
    ];
    for (const [body, code] of cases) {
      const r = await join(body);
      expect({ status: r.status, code: r.body.error?.code }).toEqual({ status: 400, code });
    }
    expect((await inviteRow(inv.id)).used_count).toBe(0);
  });

  it('C-INV-14: an edited payload → invite_bad_signature (signature); a non-owner signed fixture → owner_mismatch', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'edited');
    const inv = await mintInvite(t.baseUrl, owner.token, mesh.id, { version: 1 });
    const payload = parseInviteV1Token(inv.token)!;
    const edits: Array<Record<string, unknown>> = [
      { role: 'admin' },
      { expires_at: payload.expires_at + 86400 },
      { mesh_slug: 'other' },
      { broker_url: 'https://evil.example.com' },
      { mesh_root_key: toBase64Url(randomRootKey()) },
      { mesh_id: generateId() },
    ];
    for (const edit of edits) {
      const edited = toBase64Url(utf8(JSON.stringify({ ...payload, ...edit })));
      const r = await join(joinBody(edited, newPeer()));
      expect({ edit, status: r.status, code: r.body.error?.code, reason: r.body.error?.details?.reason }).toEqual({
        edit, status: 400, code: 'invite_bad_signature', reason: 'signature',
      });
    }
    // Fixture: a self-consistent token signed by a key that is not the mesh owner, with its hash in the table.
    const impostor = generateSigningKeyPair();
    const { token } = buildInviteV1Token(
      { v: 1, mesh_id: mesh.id, mesh_slug: 'edited', broker_url: t.config.publicUrl, expires_at: payload.expires_at, mesh_root_key: toBase64Url(randomRootKey()), role: 'member', owner_pubkey: impostor.publicKey },
      impostor.secretKey,
    );
    const id = generateId();
    await q(
      `INSERT INTO mesh.invite (id, mesh_id, version, code, role, max_uses, expires_at, token_hash, token_enc)
       VALUES ($1, $2, 1, NULL, 'member', 5, to_timestamp($3), $4, $5)`,
      [id, mesh.id, payload.expires_at, inviteTokenHash(token), t.app.get(KeyringService).encrypt(AtRestContext.v1Token(id), token)],
    );
    const r = await join(joinBody(token, newPeer()));
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'invite_bad_signature', details: { reason: 'owner_mismatch' } });
    expect((await inviteRow(id)).used_count).toBe(0);
    // The landing checks the token the same way.
    const landing = await get(`/api/public/invites/${token}`);
    expect(landing.status).toBe(400);
    expect(landing.body.error.code).toBe('invite_bad_signature');
  });

  it('C-INV-15: 5 concurrent v1 redemptions vs maxUses=1 → exactly 1 success and 4 invite_exhausted', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'v1-race');
    const inv = await mintInvite(t.baseUrl, owner.token, mesh.id, { version: 1, maxUses: 1 });
    const results = await Promise.all(Array.from({ length: 5 }, () => join(joinBody(inv.token, newPeer()))));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 410 && r.body.error.code === 'invite_exhausted')).toHaveLength(4);
    expect((await inviteRow(inv.id)).used_count).toBe(1);
  });

  it('C-INV-16: GET /i/:code → 302 to /join/<code> (v2, unknown, revoked) or /join/<token> (valid v1); never 404', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'links');
    const v2 = await mintInvite(t.baseUrl, owner.token, mesh.id);
    const v1 = await mintInvite(t.baseUrl, owner.token, mesh.id, { version: 1 });
    const dead = await mintInvite(t.baseUrl, owner.token, mesh.id, { version: 1 });
    await http(t.baseUrl, 'DELETE', `/api/meshes/${mesh.id}/invites/${dead.id}`, { token: owner.token });
    const cases: Array<[string, string]> = [
      [v2.code, `/join/${v2.code}`],
      [v1.code, `/join/${v1.token}`],
      [dead.code, `/join/${dead.code}`],
      ['Unknown1', '/join/Unknown1'],
      ['a b', '/join/a%20b'],
    ];
    for (const [code, location] of cases) {
      const r = await get(`/i/${encodeURIComponent(code)}`);
      expect({ code, status: r.status, location: r.headers.get('location') }).toEqual({ code, status: 302, location });
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('C-INV-17: the code resolver gives {token, version} for valid invites, 404/410/400 otherwise, never a dead token', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'resolve');
    const v2 = await mintInvite(t.baseUrl, owner.token, mesh.id);
    const v1 = await mintInvite(t.baseUrl, owner.token, mesh.id, { version: 1 });
    const r2 = await get(`/api/public/invite-code/${v2.code}`);
    expect(r2.status).toBe(200);
    expect(r2.body).toEqual({ token: v2.code, version: 2 });
    expect(r2.headers.get('cache-control')).toBe('no-store');
    const r1 = await get(`/api/public/invite-code/${v1.code}`);
    expect(r1.body).toEqual({ token: v1.token, version: 1 });
    expect((await get('/api/public/invite-code/Nope1234')).body.error.code).toBe('invite_not_found');
    expect((await get('/api/public/invite-code/ab$')).body.error.code).toBe('invite_malformed');
    await http(t.baseUrl, 'DELETE', `/api/meshes/${mesh.id}/invites/${v1.id}`, { token: owner.token });
    const revoked = await get(`/api/public/invite-code/${v1.code}`);
    expect(revoked.status).toBe(410);
    expect(revoked.body.error.code).toBe('invite_revoked');
    expect(JSON.stringify(revoked.body)).not.toContain(v1.token);
  });

  it('C-INV-18: landing status valid/expired/revoked/exhausted/mesh_archived; counts exclude removed members', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'landing');
    const valid = await mintInvite(t.baseUrl, owner.token, mesh.id, { maxUses: 3 });
    const a = await claim(t.baseUrl, valid.code, claimBody(valid.code, newPeer()));
    const b = await claim(t.baseUrl, valid.code, claimBody(valid.code, newPeer()));
    expect([a.status, b.status]).toEqual([200, 200]);
    expect((await http(t.baseUrl, 'DELETE', `/api/meshes/${mesh.id}/members/${b.body.member_id}`, { token: owner.token })).status).toBe(200);
    const r = await get(`/api/public/invites/${valid.code}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body).toEqual({
      status: 'valid',
      version: 2,
      code: valid.code,
      mesh: { name: 'landing', slug: 'landing' },
      inviter: { displayName: 'owner' },
      role: 'member',
      roleCapabilities: ROLE_CAPABILITIES.member,
      memberCount: 1,
      onlineCount: 0,
      maxUses: 3,
      usedCount: 2,
      usesRemaining: 1,
      expiresAt: valid.expiresAt,
      revokedAt: null,
      shortUrl: valid.shortUrl,
      cliCommand: `claudemesh join ${valid.shortUrl}`,
      installCommand: `npm i -g ${t.baseUrl}/cli/claudemesh.tgz`,
      ownerKeyFingerprint: mesh.ownerPubkey.slice(0, 16).replace(/(.{4})(?=.)/g, '$1 '),
      consent: [...CONSENT_KEYS],
    });

    const expired = await mintInvite(t.baseUrl, owner.token, mesh.id);
    await q(`UPDATE mesh.invite SET expires_at = date_trunc('second', now()) WHERE id = $1`, [expired.id]);
    const revoked = await mintInvite(t.baseUrl, owner.token, mesh.id, { version: 1 });
    await http(t.baseUrl, 'DELETE', `/api/meshes/${mesh.id}/invites/${revoked.id}`, { token: owner.token });
    const exhausted = await mintInvite(t.baseUrl, owner.token, mesh.id, { maxUses: 1 });
    expect((await claim(t.baseUrl, exhausted.code, claimBody(exhausted.code, newPeer()))).status).toBe(200);
    const v1 = await mintInvite(t.baseUrl, owner.token, mesh.id, { version: 1, role: 'admin' });

    const status = async (ref: string) => (await get(`/api/public/invites/${ref}`)).body;
    expect(await status(expired.code)).toMatchObject({ status: 'expired', shortUrl: null, cliCommand: null, installCommand: null });
    expect(await status(revoked.code)).toMatchObject({ status: 'revoked', version: 1 });
    expect((await status(revoked.code)).revokedAt).not.toBeNull();
    expect(await status(exhausted.code)).toMatchObject({ status: 'exhausted', usesRemaining: 0, memberCount: 2 });
    const byToken = await status(v1.token);
    expect(byToken).toMatchObject({ status: 'valid', version: 1, code: v1.code, role: 'admin', roleCapabilities: ROLE_CAPABILITIES.admin });

    expect((await get('/api/public/invites/Unknown9')).body.error.code).toBe('invite_not_found');
    expect((await get('/api/public/invites/bad$ref')).body.error.code).toBe('invite_malformed');

    expect((await http(t.baseUrl, 'POST', `/api/meshes/${mesh.id}/archive`, { token: owner.token })).status).toBe(200);
    expect(await status(valid.code)).toMatchObject({ status: 'mesh_archived', shortUrl: null });
    expect(await status(revoked.code)).toMatchObject({ status: 'revoked' });
  });

  it('mesh_full: at MAX_MEMBERS_PER_MESH the next claim → 409 mesh_full and no slot is used', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'full');
    const inv = await mintInvite(t.baseUrl, owner.token, mesh.id, { maxUses: 10 });
    for (let i = 0; i < 3; i++) expect((await claim(t.baseUrl, inv.code, claimBody(inv.code, newPeer()))).status).toBe(200);
    const r = await claim(t.baseUrl, inv.code, claimBody(inv.code, newPeer()));
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'mesh_full', details: { reason: 'mesh_full' } });
    expect((await inviteRow(inv.id)).used_count).toBe(3);
  });

  it('v1 minting rules: version 1 with email → 400', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'v1-rules');
    const r = await http(t.baseUrl, 'POST', `/api/meshes/${mesh.id}/invites`, { token: owner.token, body: { version: 1, email: 'x@example.com' } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('validation_failed');
  });

  it('OpenAPI lists the invite, public invite and mail-outbox endpoints with their error responses', async () => {
    const doc = (await http(t.baseUrl, 'GET', '/api/docs-json')).body;
    const expected: Array<[string, string]> = [
      ['/api/meshes/{id}/invites', 'get'],
      ['/api/meshes/{id}/invites', 'post'],
      ['/api/meshes/{id}/invites/{inviteId}', 'delete'],
      ['/api/meshes/{id}/invites/{inviteId}/resend', 'post'],
      ['/api/public/invites/{ref}', 'get'],
      ['/api/public/invite-code/{code}', 'get'],
      ['/api/public/invites/{code}/claim', 'post'],
      ['/invites/{code}/claim', 'post'],
      ['/api/public/join', 'post'],
      ['/i/{code}', 'get'],
      ['/api/mail-outbox', 'get'],
    ];
    for (const [path, method] of expected) expect({ path, method, ok: !!doc.paths?.[path]?.[method] }).toEqual({ path, method, ok: true });
    expect(Object.keys(doc.paths['/api/public/invites/{code}/claim'].post.responses)).toEqual(expect.arrayContaining(['200', '400', '404', '409', '410', '429']));
  });

  it('C-SEC-6: 21 claims from one IP in quick succession → the 21st gets 429 with Retry-After', async () => {
    const ip = '192.0.2.77';
    const started = Date.now();
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 21; i++) {
      const code = `Sec6x${String(i).padStart(3, '0')}`;
      last = await claim(t.baseUrl, code, claimBody(code, newPeer()), { ip });
      statuses.push(last.status);
    }
    expect(Date.now() - started).toBeLessThan(3000);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(404));
    expect(last!.status).toBe(429);
    expect(last!.body.error.code).toBe('rate_limited');
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(last!.body.error.details.retryAfterMs).toBeGreaterThan(0);
    // Another client is not affected.
    const other = await claim(t.baseUrl, 'Sec6other', claimBody('Sec6other', newPeer()), { ip: '192.0.2.78' });
    expect(other.status).toBe(404);
  });
});
