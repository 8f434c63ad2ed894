/**
 * Meshes and members as an integrator meets them (api.md §3, §4): two accounts' "platform", the mesh object per role,
 * renames, member changes and linking, transfer, and an archived mesh refusing every write with 410.
 */
import { expectError } from './rest-assert';
import { as, freshMesh, must, type World } from './rest-world';

export function meshTests(world: () => World): void {
  it('C-API-3 / C-API-4: two accounts each own a "platform" (different ids, the same slug); lists are per caller, newest first; another\'s id is 404; slug is no field', async () => {
    const w = world();
    const mine = (await as(w.base, w.p.owner, 'GET', '/api/meshes?limit=200')).body.data;
    const theirs = (await as(w.base, w.p.nonMember, 'GET', '/api/meshes?limit=200')).body.data;
    const a = mine.find((m: any) => m.id === w.meshId);
    const b = theirs.find((m: any) => m.id === w.otherMeshId);
    expect([a.name, a.slug, a.role, b.name, b.slug, b.role]).toEqual(['platform', 'platform', 'owner', 'platform', 'platform', 'owner']);
    expect(a.id).not.toBe(b.id);
    expect(mine.some((m: any) => m.id === w.otherMeshId)).toBe(false);
    expect(theirs.some((m: any) => m.id === w.meshId)).toBe(false);
    const times = mine.map((m: any) => Date.parse(m.createdAt));
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expectError(await as(w.base, w.p.owner, 'GET', `/api/meshes/${w.otherMeshId}`), 404, 'not_found', "another's mesh");
    expectError(await as(w.base, w.p.owner, 'POST', '/api/meshes', { body: { name: 'x', slug: 'y' } }), 400, 'validation_failed', 'slug', { fields: ['slug'] });
    const trimmed = await as(w.base, w.p.owner, 'POST', '/api/meshes', { body: { name: '  Platform Team  ' } });
    expect([trimmed.status, trimmed.body.name, trimmed.body.slug, trimmed.body.rootKeyEpoch, trimmed.body.archivedAt]).toEqual([201, 'Platform Team', 'platform-team', 1, null]);
    expect(trimmed.body.ownerPubkey).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(trimmed.body)).not.toMatch(/secret|rootKey"/i);
    expect((await as(w.base, w.p.owner, 'GET', '/api/meshes?q=PLATFORM%20t')).body.data.map((m: any) => m.id)).toEqual([trimmed.body.id]);
  });

  it('api.md §3/§4: the mesh object and members list per role — pendingInvites and linked emails only for admin+, never a code, token or key', async () => {
    const w = world();
    const valid = (await as(w.base, w.p.admin, 'GET', `/api/meshes/${w.meshId}/invites?status=valid&limit=200`)).body.data.length;
    const asAdmin = (await as(w.base, w.p.admin, 'GET', `/api/meshes/${w.meshId}`)).body;
    const asMember = (await as(w.base, w.p.member, 'GET', `/api/meshes/${w.meshId}`)).body;
    expect([asAdmin.role, asAdmin.counts.pendingInvites, asMember.role, asMember.counts.pendingInvites]).toEqual(['admin', valid, 'member', null]);
    expect(asAdmin.owner).toEqual({ accountId: w.p.owner.accountId, displayName: 'owner' });
    const list = async (who: 'admin' | 'member') => (await as(w.base, w.p[who], 'GET', `/api/meshes/${w.meshId}/members?limit=200`)).body.data;
    const linkedFor = (rows: any[]) => rows.find((r) => r.linkedAccount?.accountId === w.p.member.accountId).linkedAccount;
    expect(linkedFor(await list('admin'))).toEqual({ accountId: w.p.member.accountId, displayName: 'member', email: 'member@example.com' });
    const forMember = await list('member');
    expect(linkedFor(forMember)).toEqual({ accountId: w.p.member.accountId, displayName: 'member' });
    expect(JSON.stringify(forMember)).not.toMatch(/"(code|token|shortUrl|rootKey|sealed_root_key)"/);
    const joined = forMember.map((m: any) => Date.parse(m.joinedAt));
    expect(joined).toEqual([...joined].sort((x, y) => x - y));
    // ETag / If-None-Match
    const first = await as(w.base, w.p.member, 'GET', `/api/meshes/${w.meshId}/members`);
    const again = await as(w.base, w.p.member, 'GET', `/api/meshes/${w.meshId}/members`, { headers: { 'If-None-Match': first.headers.get('etag')! } });
    expect([first.headers.get('etag')?.length ? 'etag' : null, again.status]).toEqual(['etag', 304]);
  });

  it('api.md §3/§4: rename derives the slug again; member role, name and link changes; unknown link email → 404 account_not_found; an empty change → 400', async () => {
    const w = world();
    const mesh = await freshMesh(w, 'changes', 1);
    const M = `/api/meshes/${mesh.meshId}`;
    const renamed = await as(w.base, w.p.admin, 'PATCH', M, { body: { name: ' Billing API ' } });
    expect([renamed.status, renamed.body.name, renamed.body.slug]).toEqual([200, 'Billing API', 'billing-api']);
    const peer = mesh.peers[0].memberId;
    const r = await as(w.base, w.p.admin, 'PATCH', `${M}/members/${peer}`, { body: { role: 'admin', displayName: ' Peer One ' } });
    expect([r.status, r.body.role, r.body.displayName, r.body.linkedAccount]).toEqual([200, 'admin', 'Peer One', null]);
    expectError(await as(w.base, w.p.admin, 'PATCH', `${M}/members/${peer}`, { body: { linkEmail: 'nobody@example.com' } }), 404, 'account_not_found', 'unknown email');
    const linked = await as(w.base, w.p.admin, 'PATCH', `${M}/members/${peer}`, { body: { linkEmail: 'NONMEMBER@example.com' } });
    expect(linked.body.linkedAccount?.accountId).toBe(w.p.nonMember.accountId);
    expect((await as(w.base, w.p.nonMember, 'GET', M)).body.role).toBe('admin');
    expect((await as(w.base, w.p.admin, 'PATCH', `${M}/members/${peer}`, { body: { linkEmail: null } })).body.linkedAccount).toBeNull();
    expectError(await as(w.base, w.p.nonMember, 'GET', M), 404, 'not_found', 'unlinked');
    expectError(await as(w.base, w.p.admin, 'PATCH', `${M}/members/${peer}`, { body: {} }), 400, 'validation_failed', 'empty change');
    const types = (await as(w.base, w.p.owner, 'GET', `${M}/audit?limit=200`)).body.data.map((e: any) => e.type);
    expect(types).toEqual(expect.arrayContaining(['mesh.renamed', 'member.role_changed', 'member.linked']));
    const verify = (await as(w.base, w.p.owner, 'GET', `${M}/audit/verify`)).body;
    expect(verify).toMatchObject({ valid: true, checked: types.length, headSeq: types.length, headHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('C-API-12: transfer needs exactly one target with a linked membership (400 / 409 transfer_target_invalid); the new owner then reads role owner', async () => {
    const w = world();
    const mesh = await freshMesh(w, 'transfer', 0);
    const T = `/api/meshes/${mesh.meshId}/transfer`;
    expectError(await as(w.base, w.p.owner, 'POST', T, { body: {} }), 400, 'validation_failed', 'no target');
    expectError(await as(w.base, w.p.owner, 'POST', T, { body: { accountId: w.p.admin.accountId, email: 'admin@example.com' } }), 400, 'validation_failed', 'two targets');
    expectError(await as(w.base, w.p.owner, 'POST', T, { body: { accountId: w.p.nonMember.accountId } }), 409, 'transfer_target_invalid', 'not linked');
    expectError(await as(w.base, w.p.owner, 'POST', T, { body: { email: 'nobody@example.com' } }), 409, 'transfer_target_invalid', 'no such account');
    const done = await as(w.base, w.p.owner, 'POST', T, { body: { email: 'Admin@example.com' } });
    expect(done.status).toBe(200);
    const seen = await as(w.base, w.p.admin, 'GET', `/api/meshes/${mesh.meshId}`);
    expect([seen.body.role, seen.body.owner.accountId]).toEqual(['owner', w.p.admin.accountId]);
    expectError(await as(w.base, w.p.owner, 'GET', `/api/meshes/${mesh.meshId}`), 404, 'not_found', 'previous owner without a linked member');
  });

  it('C-API-11 / security.md §4: an archived mesh refuses every write with 410 mesh_archived, still answers reads, and archiving again is 200', async () => {
    const w = world();
    const mesh = await freshMesh(w, 'archived', 1);
    const inv = await w.mint({}, 'admin', mesh.meshId);
    const M = `/api/meshes/${mesh.meshId}`;
    const first = await as(w.base, w.p.owner, 'POST', `${M}/archive`);
    expect([first.status, typeof first.body.archivedAt]).toEqual([200, 'string']);
    const before = await w.fingerprint();
    const writes: [string, string, unknown?][] = [
      ['PATCH', M, { name: 'x' }], ['POST', `${M}/rotate-root-key`], ['POST', `${M}/transfer`, { accountId: w.p.admin.accountId }],
      ['PATCH', `${M}/members/${mesh.peers[0].memberId}`, { displayName: 'x' }], ['DELETE', `${M}/members/${mesh.peers[0].memberId}`],
      ['POST', `${M}/invites`, {}], ['DELETE', `${M}/invites/${inv.id}`],
    ];
    for (const [method, path, body] of writes) expectError(await as(w.base, w.p.owner, method, path, { body }), 410, 'mesh_archived', `${method} ${path}`);
    expectError((await w.claim(inv.code)).res, 410, 'mesh_archived', 'claim', { reason: 'mesh_archived' });
    expect(await w.fingerprint()).toBe(before);
    for (const path of [M, `${M}/members`, `${M}/invites`, `${M}/audit`]) expect([path, (await as(w.base, w.p.owner, 'GET', path)).status]).toEqual([path, 200]);
    const again = await as(w.base, w.p.owner, 'POST', `${M}/archive`);
    expect([again.status, again.body.archivedAt]).toEqual([200, first.body.archivedAt]);
    const listed = (await as(w.base, w.p.owner, 'GET', '/api/meshes?archived=true&limit=200')).body.data;
    expect(listed.some((m: any) => m.id === mesh.meshId)).toBe(true);
    expect((await as(w.base, w.p.owner, 'GET', '/api/meshes?limit=200')).body.data.some((m: any) => m.id === mesh.meshId)).toBe(false);
    await must(as(w.base, w.p.owner, 'GET', `${M}/audit/verify`), 200, 'verify');
  });
}
