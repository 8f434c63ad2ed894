import { cryptoReady } from '@claudemesh/shared/crypto';
import { createTestApp, TestApp } from '../testing/test-app';
import { ApiClient, signupClient } from '../auth/testing/api-client';
import { MemberService } from './member.service';
import { MeshKeysService } from './mesh-keys.service';
import { insertMember, insertPresence } from './testing/fixtures';

describe('meshes and members', () => {
  let t: TestApp;
  let owner: { client: ApiClient; account: any; email: string };
  let bob: { client: ApiClient; account: any; email: string };
  let carol: { client: ApiClient; account: any; email: string };

  beforeAll(async () => {
    await cryptoReady();
    t = await createTestApp({ ALLOW_SIGNUP: 'true', TRUST_PROXY: 'true' });
    owner = await signupClient(t.baseUrl, { setupToken: t.setupToken, displayName: 'Dana Ops' });
    bob = await signupClient(t.baseUrl, { displayName: 'Bob' });
    carol = await signupClient(t.baseUrl, { displayName: 'Carol' });
  }, 60_000);
  afterAll(() => t?.close());

  const auditTypes = async (meshId: string): Promise<string[]> =>
    (await t.dataSource.query(`SELECT type FROM mesh.audit_event WHERE mesh_id = $1 ORDER BY seq`, [meshId])).map((r: any) => r.type);

  it('C-API-3 two accounts both create "platform": different ids, same slug; a slug field is 400', async () => {
    const a = await owner.client.post('/api/meshes', { name: 'platform' });
    const b = await bob.client.post('/api/meshes', { name: 'platform' });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
    expect([a.body.slug, b.body.slug]).toEqual(['platform', 'platform']);
    expect(a.body).toMatchObject({ name: 'platform', role: 'owner', rootKeyEpoch: 1, archivedAt: null, owner: { accountId: owner.account.id, displayName: 'Dana Ops' } });
    expect(a.body.ownerPubkey).toMatch(/^[0-9a-f]{64}$/);
    expect(a.body.counts).toEqual({ members: 0, online: 0, pendingInvites: 0 });
    const slug = await owner.client.post('/api/meshes', { name: 'x', slug: 'y' });
    expect([slug.status, slug.body.error.code]).toEqual([400, 'validation_failed']);
    expect(slug.body.error.details.fields.map((f: any) => f.field)).toContain('slug');
    expect(await auditTypes(a.body.id)).toEqual(['mesh.created']);
    const keys = await t.dataSource.query(`SELECT epoch, reason FROM mesh.mesh_root_key WHERE mesh_id = $1`, [a.body.id]);
    expect(keys).toEqual([{ epoch: 1, reason: 'created' }]);
    const slugged = await owner.client.post('/api/meshes', { name: '  --Hello, World!--' });
    expect([slugged.body.name, slugged.body.slug]).toEqual(['--Hello, World!--', 'hello-world']);
  });

  it('C-API-4 lists only the caller\'s meshes, newest first, with q, archived and paging; others\' ids are 404', async () => {
    const mine: string[] = [];
    for (const name of ['alpha', 'beta', 'gamma']) mine.push((await carol.client.post('/api/meshes', { name })).body.id);
    const foreign = (await bob.client.post('/api/meshes', { name: 'bob private' })).body.id;
    // carol becomes a plain member of one of bob's meshes through a linked member row
    const shared = (await bob.client.post('/api/meshes', { name: 'bob shared' })).body.id;
    await insertMember(t.dataSource, shared, { accountId: carol.account.id, role: 'member' });

    const list = await carol.client.get('/api/meshes');
    expect(list.status).toBe(200);
    const ids = list.body.data.map((m: any) => m.id);
    expect(ids).toEqual([shared, ...mine.reverse()]);
    expect(ids).not.toContain(foreign);
    expect(list.body.data[0]).toMatchObject({ role: 'member', memberCount: 1, onlineCount: 0, archivedAt: null });
    expect(Object.keys(list.body.data[0]).sort()).toEqual(['archivedAt', 'createdAt', 'id', 'memberCount', 'name', 'onlineCount', 'role', 'slug']);
    const created = list.body.data.map((m: any) => m.createdAt);
    expect(created).toEqual([...created].sort().reverse());

    expect((await carol.client.get('/api/meshes?q=AMM')).body.data.map((m: any) => m.name)).toEqual(['gamma']);
    expect((await carol.client.get('/api/meshes?q=%25')).body.data).toEqual([]); // LIKE wildcards are literal

    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await carol.client.get(`/api/meshes?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      pages.push(...page.body.data.map((m: any) => m.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(pages).toEqual(ids);

    expect((await carol.client.post(`/api/meshes/${mine[0]}/archive`)).status).toBe(200);
    expect((await carol.client.get('/api/meshes')).body.data.map((m: any) => m.id)).not.toContain(mine[0]);
    expect((await carol.client.get('/api/meshes?archived=true')).body.data.map((m: any) => m.id)).toEqual([mine[0]]);

    const other = await carol.client.get(`/api/meshes/${foreign}`);
    expect([other.status, other.body.error.code]).toEqual([404, 'not_found']);
  });

  it('C-API-12 transfer: unlinked target → 409 transfer_target_invalid; linked admin → 200 and becomes owner', async () => {
    const mesh = (await owner.client.post('/api/meshes', { name: 'transfer me' })).body.id;
    const byId = await owner.client.post(`/api/meshes/${mesh}/transfer`, { accountId: bob.account.id });
    expect([byId.status, byId.body.error.code]).toEqual([409, 'transfer_target_invalid']);
    const both = await owner.client.post(`/api/meshes/${mesh}/transfer`, { accountId: bob.account.id, email: bob.email });
    expect([both.status, both.body.error.code]).toEqual([400, 'validation_failed']);
    const neither = await owner.client.post(`/api/meshes/${mesh}/transfer`, {});
    expect([neither.status, neither.body.error.code]).toEqual([400, 'validation_failed']);

    await insertMember(t.dataSource, mesh, { accountId: bob.account.id, role: 'admin' });
    await insertMember(t.dataSource, mesh, { accountId: owner.account.id, role: 'member' });
    const ok = await owner.client.post(`/api/meshes/${mesh}/transfer`, { email: bob.email.toUpperCase() });
    expect(ok.status).toBe(200);
    expect(ok.body.owner.accountId).toBe(bob.account.id);
    expect(ok.body.role).toBe('member'); // the previous owner keeps only its linked member's role
    expect((await bob.client.get(`/api/meshes/${mesh}`)).body.role).toBe('owner');
    expect((await owner.client.post(`/api/meshes/${mesh}/archive`)).status).toBe(403);
    expect(await auditTypes(mesh)).toEqual(['mesh.created', 'mesh.transferred']);
  });

  it('rename re-derives the slug; rotate bumps the epoch; plain members see pendingInvites null', async () => {
    const mesh = (await owner.client.post('/api/meshes', { name: 'old' })).body.id;
    await insertMember(t.dataSource, mesh, { accountId: bob.account.id, role: 'member' });
    const renamed = await owner.client.patch(`/api/meshes/${mesh}`, { name: ' Platform Team ' });
    expect(renamed.body).toMatchObject({ name: 'Platform Team', slug: 'platform-team' });
    expect((await owner.client.post(`/api/meshes/${mesh}/rotate-root-key`)).body).toEqual({ epoch: 2 });
    expect((await owner.client.post(`/api/meshes/${mesh}/rotate-root-key`, {})).body).toEqual({ epoch: 3 });
    const asMember = await bob.client.get(`/api/meshes/${mesh}`);
    expect(asMember.body).toMatchObject({ role: 'member', rootKeyEpoch: 3, counts: { members: 1, pendingInvites: null } });
    expect(await auditTypes(mesh)).toEqual(['mesh.created', 'mesh.renamed', 'mesh.root_key_rotated', 'mesh.root_key_rotated']);
    // keys: three distinct epochs, each decryptable only under its own context
    const keys = t.app.get(MeshKeysService);
    const k = await Promise.all([1, 2, 3].map((e) => keys.rootKey(mesh, e)));
    expect(new Set(k.map((x) => Buffer.from(x).toString('hex'))).size).toBe(3);
    expect(k.every((x) => x.length === 32)).toBe(true);
    expect((await keys.currentRootKey(mesh)).epoch).toBe(3);
  });

  it('members: list with sessions, admin-only email, includeRemoved, ETag/304; PATCH role/displayName/linkEmail', async () => {
    const mesh = (await owner.client.post('/api/meshes', { name: 'members' })).body.id;
    const bobMember = await insertMember(t.dataSource, mesh, { accountId: bob.account.id, role: 'member', displayName: 'bob' });
    const peer = await insertMember(t.dataSource, mesh, { displayName: 'peer' });
    const live = await insertPresence(t.dataSource, mesh, peer.id, { summary: 'Fixing flaky tests', displayName: 'peer-api' });
    await insertPresence(t.dataSource, mesh, peer.id, { disconnected: true });

    const asOwner = await owner.client.get(`/api/meshes/${mesh}/members`);
    expect(asOwner.status).toBe(200);
    expect(asOwner.body.data.map((m: any) => m.id)).toEqual([bobMember.id, peer.id]);
    const [b, p] = asOwner.body.data;
    expect(b.linkedAccount).toEqual({ accountId: bob.account.id, displayName: 'Bob', email: bob.email });
    expect(p).toMatchObject({ displayName: 'peer', pubkey: peer.pubkey, role: 'member', groups: [], online: true, removedAt: null, linkedAccount: null });
    expect(p.sessions).toHaveLength(2);
    expect(p.sessions[0]).toMatchObject({ sessionId: live.sessionId, displayName: 'peer-api', status: 'working', summary: 'Fixing flaky tests', connected: true });
    expect(p.sessions[1].connected).toBe(false);

    const asMember = await bob.client.get(`/api/meshes/${mesh}/members`);
    expect(asMember.body.data[0].linkedAccount).toEqual({ accountId: bob.account.id, displayName: 'Bob' });
    const forbidden = await bob.client.get(`/api/meshes/${mesh}/members?includeRemoved=true`);
    expect([forbidden.status, forbidden.body.error.code]).toEqual([403, 'forbidden']);

    const etag = asOwner.headers.get('etag');
    expect(etag).toBeTruthy();
    expect((await owner.client.get(`/api/meshes/${mesh}/members`, { headers: { 'If-None-Match': etag! } })).status).toBe(304);

    const promoted = await owner.client.patch(`/api/meshes/${mesh}/members/${bobMember.id}`, { role: 'admin', displayName: ' bobby ' });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ id: bobMember.id, role: 'admin', displayName: 'bobby' });
    expect((await owner.client.get(`/api/meshes/${mesh}/members`, { headers: { 'If-None-Match': etag! } })).status).toBe(200);
    expect((await bob.client.get(`/api/meshes/${mesh}`)).body.role).toBe('admin');

    const linked = await bob.client.patch(`/api/meshes/${mesh}/members/${peer.id}`, { linkEmail: carol.email });
    expect(linked.body.linkedAccount).toMatchObject({ accountId: carol.account.id, email: carol.email });
    expect((await carol.client.get(`/api/meshes/${mesh}`)).body.role).toBe('member');
    const noAccount = await bob.client.patch(`/api/meshes/${mesh}/members/${peer.id}`, { linkEmail: 'nobody@example.com' });
    expect([noAccount.status, noAccount.body.error.code]).toEqual([404, 'account_not_found']);
    expect((await bob.client.patch(`/api/meshes/${mesh}/members/${peer.id}`, { linkEmail: null })).body.linkedAccount).toBeNull();
    expect((await carol.client.get(`/api/meshes/${mesh}`)).status).toBe(404);
    const empty = await owner.client.patch(`/api/meshes/${mesh}/members/${peer.id}`, {});
    expect([empty.status, empty.body.error.code]).toEqual([400, 'validation_failed']);
    const unknown = await owner.client.patch(`/api/meshes/${mesh}/members/${'Z'.repeat(32)}`, { role: 'admin' });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'not_found']);
    expect(await auditTypes(mesh)).toEqual(['mesh.created', 'member.role_changed', 'member.linked', 'member.linked']);
  });

  it('DELETE member: revoked, presences ended, root key rotated, audit; idempotent; access lost', async () => {
    const mesh = (await owner.client.post('/api/meshes', { name: 'removal' })).body.id;
    const bobMember = await insertMember(t.dataSource, mesh, { accountId: bob.account.id, role: 'member' });
    const p = await insertPresence(t.dataSource, mesh, bobMember.id);
    const del = await owner.client.delete(`/api/meshes/${mesh}/members/${bobMember.id}`);
    expect(del.status).toBe(200);
    expect(del.body.id).toBe(bobMember.id);
    expect(new Date(del.body.removedAt).getTime()).toBeGreaterThan(Date.now() - 10_000);
    const again = await owner.client.delete(`/api/meshes/${mesh}/members/${bobMember.id}`);
    expect(again.body).toEqual(del.body);
    const [m] = await t.dataSource.query(`SELECT revoked_reason, revoked_by_account_id FROM mesh.member WHERE id = $1`, [bobMember.id]);
    expect(m).toEqual({ revoked_reason: 'removed', revoked_by_account_id: owner.account.id });
    const [pr] = await t.dataSource.query(`SELECT ended_at, end_reason FROM mesh.presence WHERE id = $1`, [p.id]);
    expect(pr.end_reason).toBe('removed');
    expect((await owner.client.get(`/api/meshes/${mesh}`)).body.rootKeyEpoch).toBe(2);
    expect(await auditTypes(mesh)).toEqual(['mesh.created', 'member.removed', 'mesh.root_key_rotated']);
    expect((await bob.client.get(`/api/meshes/${mesh}`)).status).toBe(404);
    expect((await owner.client.get(`/api/meshes/${mesh}/members`)).body.data).toEqual([]);
    const removed = (await owner.client.get(`/api/meshes/${mesh}/members?includeRemoved=true`)).body.data;
    expect(removed.map((x: any) => [x.id, x.removedAt !== null])).toEqual([[bobMember.id, true]]);
  });

  it('MemberService.leave: member.left, presences ended with "left", rotation reason member_left', async () => {
    const mesh = (await owner.client.post('/api/meshes', { name: 'leave' })).body.id;
    const peer = await insertMember(t.dataSource, mesh, { displayName: 'leaver' });
    const p = await insertPresence(t.dataSource, mesh, peer.id);
    await t.app.get(MemberService).leave(mesh, peer.id);
    const [m] = await t.dataSource.query(`SELECT revoked_reason FROM mesh.member WHERE id = $1`, [peer.id]);
    expect(m.revoked_reason).toBe('left');
    const [pr] = await t.dataSource.query(`SELECT end_reason FROM mesh.presence WHERE id = $1`, [p.id]);
    expect(pr.end_reason).toBe('left');
    const keys = await t.dataSource.query(`SELECT epoch, reason FROM mesh.mesh_root_key WHERE mesh_id = $1 ORDER BY epoch`, [mesh]);
    expect(keys).toEqual([{ epoch: 1, reason: 'created' }, { epoch: 2, reason: 'member_left' }]);
    const audit = await t.dataSource.query(`SELECT type, actor_kind, actor_id FROM mesh.audit_event WHERE mesh_id = $1 ORDER BY seq`, [mesh]);
    expect(audit.slice(1)).toEqual([
      { type: 'member.left', actor_kind: 'member', actor_id: peer.id },
      { type: 'mesh.root_key_rotated', actor_kind: 'member', actor_id: peer.id },
    ]);
  });

  it('archive ends every presence with mesh_archived and is audited once', async () => {
    const mesh = (await owner.client.post('/api/meshes', { name: 'archive' })).body.id;
    const peer = await insertMember(t.dataSource, mesh, {});
    const p = await insertPresence(t.dataSource, mesh, peer.id);
    const res = await owner.client.post(`/api/meshes/${mesh}/archive`);
    expect(res.body.archivedAt).not.toBeNull();
    await owner.client.post(`/api/meshes/${mesh}/archive`);
    const [pr] = await t.dataSource.query(`SELECT end_reason FROM mesh.presence WHERE id = $1`, [p.id]);
    expect(pr.end_reason).toBe('mesh_archived');
    expect(await auditTypes(mesh)).toEqual(['mesh.created', 'mesh.archived']);
  });

  it('C-SEC-2 no mesh or member response carries the owner secret key or a root key', async () => {
    const created = await owner.client.post('/api/meshes', { name: 'secrets' });
    const mesh = created.body.id;
    await insertMember(t.dataSource, mesh, { accountId: bob.account.id });
    const keys = t.app.get(MeshKeysService);
    const [row] = await t.dataSource.query(`SELECT * FROM mesh.mesh WHERE id = $1`, [mesh]);
    const ownerSk = keys.ownerSecretKeyHex({ id: row.id, ownerSecretEnc: row.owner_secret_enc } as never);
    expect(ownerSk).toMatch(/^[0-9a-f]{128}$/);
    expect(ownerSk.slice(64)).toBe(row.owner_pubkey); // seed ‖ public key
    const root = Buffer.from((await keys.currentRootKey(mesh)).key);
    const bodies = [
      created.text,
      (await owner.client.get(`/api/meshes/${mesh}`)).text,
      (await owner.client.get('/api/meshes')).text,
      (await bob.client.get(`/api/meshes/${mesh}`)).text,
      (await bob.client.get(`/api/meshes/${mesh}/members`)).text,
      (await owner.client.post(`/api/meshes/${mesh}/rotate-root-key`)).text,
    ];
    const newRoot = Buffer.from((await keys.currentRootKey(mesh)).key);
    for (const body of bodies) {
      expect(body).not.toContain(ownerSk);
      expect(body).not.toContain(ownerSk.slice(0, 64));
      for (const k of [root, newRoot]) {
        expect(body).not.toContain(k.toString('hex'));
        expect(body).not.toContain(k.toString('base64url'));
        expect(body).not.toContain(k.toString('base64'));
      }
    }
  });
});
