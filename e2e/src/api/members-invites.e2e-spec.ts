import type { Socket } from 'socket.io-client';
import {
  AtRestContext,
  decryptAtRest,
  deriveAtRestKey,
  inviteTokenHash,
  masterKeyFromHex,
  openSealedRootKey,
  toBase64Url,
  toHex,
} from '@claudemesh/shared/crypto';
import { Client as PgClient } from 'pg';
import { claimBody, joinBody, newPeer } from '../../../server/src/invite/invite-test-kit';
import {
  admitMembers,
  BROKER_TEST_ENV,
  connectError,
  connectPeer,
  createMesh,
  cryptoReady,
  helloAuth,
  http,
  rawSocket,
  signupOwner,
  sleep,
  type Owner,
} from '../broker/harness';
import { setupTokenOf, startServerProcess, type ServerProcess } from '../support/server-process';
import { Client } from './client';

/** api.md §4, §5 and §3 (archive) as an integrator sees them: the built server process, REST, /peer and /ui. */

const connected = (s: Socket) =>
  new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', (e: Error & { data?: unknown }) => reject(Object.assign(e, { data: e.data })));
  });
const uiCall = (s: Socket, event: string, payload: unknown) => new Promise<any>((r) => s.emit(event, payload, r));

/** A further account (ALLOW_SIGNUP=true) with a PAT. */
async function account(baseUrl: string, email: string): Promise<{ client: Client; pat: string }> {
  const client = new Client(baseUrl);
  const s = await client.post('/api/auth/signup', { email, password: 'correct horse battery', displayName: email.split('@')[0] });
  if (s.status !== 201) throw new Error(`signup → ${s.status} ${s.text}`);
  const t = await client.post('/api/tokens', { name: 'api-test' });
  if (t.status !== 201) throw new Error(`token → ${t.status} ${t.text}`);
  return { client, pat: t.body.token };
}

describe('members, invites and archive over REST (C-API-9, C-API-10, C-API-11)', () => {
  let server: ServerProcess;
  let owner: Owner;

  beforeAll(async () => {
    await cryptoReady();
    server = await startServerProcess({ ...BROKER_TEST_ENV, ALLOW_SIGNUP: 'true', ALLOW_V1_INVITES: 'true' });
    owner = await signupOwner({ baseUrl: server.baseUrl, setupToken: setupTokenOf(server) });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('C-API-9: members get 403 on GET …/invites, and no member-visible response holds an invite code, token or key material', async () => {
    const meshId = await createMesh(server, owner, 'c-api-9');
    // a plain member account, linked by an authenticated claim
    const member = await account(server.baseUrl, 'member9@example.com');
    const join = await http(server.baseUrl, 'POST', `/api/meshes/${meshId}/invites`, { token: owner.token, body: { maxUses: 3 } });
    const memberPeer = newPeer();
    const claimed = await http(server.baseUrl, 'POST', `/api/public/invites/${join.body.code}/claim`, {
      token: member.pat,
      body: claimBody(join.body.code, memberPeer, 'member-peer'),
    });
    expect(claimed.status).toBe(200);
    expect(claimed.body.role).toBe('member');
    // invites of every kind: v2, v1 and an email invite
    const v2 = await http(server.baseUrl, 'POST', `/api/meshes/${meshId}/invites`, { token: owner.token, body: { maxUses: 5, role: 'admin' } });
    const v1 = await http(server.baseUrl, 'POST', `/api/meshes/${meshId}/invites`, { token: owner.token, body: { version: 1 } });
    const mail = await http(server.baseUrl, 'POST', `/api/meshes/${meshId}/invites`, { token: owner.token, body: { email: 'newcomer@example.com' } });
    expect([v2.status, v1.status, mail.status]).toEqual([201, 201, 201]);
    // the member is a member of the mesh: reads work
    const me = new Client(server.baseUrl);
    me.token = member.pat;
    const mesh = await me.get(`/api/meshes/${meshId}`);
    expect([mesh.status, mesh.body.role, mesh.body.counts.pendingInvites]).toEqual([200, 'member', null]);

    // 403 on the invite list (every status filter) and on every other invite endpoint
    for (const q of ['', '?status=valid', '?status=all', '?status=revoked']) {
      const r = await me.get(`/api/meshes/${meshId}/invites${q}`);
      expect([r.status, r.body.error.code]).toEqual([403, 'forbidden']);
    }
    expect((await me.post(`/api/meshes/${meshId}/invites`, {})).status).toBe(403);
    expect((await me.del(`/api/meshes/${meshId}/invites/${v2.body.id}`)).status).toBe(403);
    expect((await me.post(`/api/meshes/${meshId}/invites/${mail.body.id}/resend`)).status).toBe(403);
    expect((await me.get(`/api/mail-outbox?meshId=${meshId}`)).status).toBe(403);
    expect((await me.get(`/api/meshes/${meshId}/members?includeRemoved=true`)).status).toBe(403);

    // everything a member can read
    const visible = [
      mesh,
      await me.get('/api/meshes'),
      await me.get(`/api/meshes/${meshId}/members`),
      await me.get(`/api/meshes/${meshId}/audit`),
      await me.get(`/api/meshes/${meshId}/audit?type=invite.`),
      await me.get(`/api/meshes/${meshId}/audit/verify`),
      await me.get('/api/auth/me'),
    ];
    for (const r of visible) expect(r.status).toBe(200);
    const auditTypes = visible[3].body.data.map((e: any) => e.type);
    expect(auditTypes).toContain('invite.created'); // invite events are visible, their codes are not

    // the secrets: invite codes and ids' tokens, the v1 token and its hash, the root and owner keys (read with the master key)
    const atRest = deriveAtRestKey(masterKeyFromHex(server.serverSecret));
    const db = new PgClient({ connectionString: server.databaseUrl });
    await db.connect();
    let ownerSecretHex: string;
    let rootKeys: string[];
    try {
      const { rows: m } = await db.query(`SELECT owner_secret_enc FROM mesh.mesh WHERE id = $1`, [meshId]);
      ownerSecretHex = toHex(decryptAtRest(m[0].owner_secret_enc, AtRestContext.ownerSecret(meshId), atRest));
      const { rows: k } = await db.query(`SELECT epoch, key_enc FROM mesh.mesh_root_key WHERE mesh_id = $1`, [meshId]);
      rootKeys = k.map((r) => toBase64Url(decryptAtRest(r.key_enc, AtRestContext.rootKey(meshId, Number(r.epoch)), atRest)));
    } finally {
      await db.end();
    }
    const claimedKey = openSealedRootKey(claimed.body.sealed_root_key, memberPeer.claimKey.publicKey, memberPeer.claimKey.secretKey)!;
    expect(rootKeys).toContain(toBase64Url(claimedKey)); // the decrypted keys are the real ones
    const secrets: [string, string][] = [
      ['claim code', join.body.code],
      ['v2 code', v2.body.code],
      ['v1 code', v1.body.code],
      ['email invite code', mail.body.code],
      ['v1 token', v1.body.token],
      ['v1 token hash', inviteTokenHash(v1.body.token)],
      ['v1 join URL', v1.body.joinUrl],
      ['v2 signature', v2.body.signature],
      ['owner secret key', ownerSecretHex],
      ['owner seed', ownerSecretHex.slice(0, 64)],
      ...rootKeys.map((k, i): [string, string] => [`root key ${i}`, k]),
    ];
    const leaks: string[] = [];
    for (const r of visible) for (const [name, value] of secrets) if (r.text.includes(value)) leaks.push(`${name} in ${r.text.slice(0, 60)}`);
    expect(leaks).toEqual([]);
    // the same check finds the codes in what an admin sees, so it can fail
    const adminList = await http(server.baseUrl, 'GET', `/api/meshes/${meshId}/invites`, { token: owner.token });
    expect(adminList.text).toContain(v2.body.code);

    // /ui: invites_changed goes to the admin room only
    const memberUi = rawSocket(server.baseUrl, { token: member.pat }, '/ui');
    const ownerUi = rawSocket(server.baseUrl, { token: owner.token }, '/ui');
    await Promise.all([connected(memberUi), connected(ownerUi)]);
    expect(await uiCall(memberUi, 'subscribe', { meshId })).toEqual({ ok: true });
    expect(await uiCall(ownerUi, 'subscribe', { meshId })).toEqual({ ok: true });
    const memberEvents: unknown[] = [];
    const ownerEvents: unknown[] = [];
    memberUi.onAny((e, p) => memberEvents.push([e, p]));
    ownerUi.onAny((e, p) => ownerEvents.push([e, p]));
    const late = await http(server.baseUrl, 'POST', `/api/meshes/${meshId}/invites`, { token: owner.token, body: {} });
    await sleep(500);
    expect(ownerEvents).toContainEqual(['invites_changed', { meshId }]);
    expect(memberEvents.filter((e) => (e as [string])[0] === 'invites_changed')).toEqual([]);
    expect(JSON.stringify(memberEvents)).not.toContain(late.body.code);
    memberUi.disconnect();
    ownerUi.disconnect();
  });

  it('C-API-10: DELETE of a member disconnects its sessions within 1 s, bumps rootKeyEpoch, then connect → unauthorized', async () => {
    const meshId = await createMesh(server, owner, 'c-api-10');
    const [victim, other] = await admitMembers(server, owner, meshId, 2, 'api10');
    const sessions = [await connectPeer(server.baseUrl, victim), await connectPeer(server.baseUrl, victim), await connectPeer(server.baseUrl, victim, { passive: true })];
    const bystander = await connectPeer(server.baseUrl, other);
    const before = (await http(server.baseUrl, 'GET', `/api/meshes/${meshId}`, { token: owner.token })).body.rootKeyEpoch;
    const gone = sessions.map((p) => new Promise<number>((r) => p.socket.once('disconnect', () => r(Date.now()))));
    const t0 = Date.now();
    const del = await http(server.baseUrl, 'DELETE', `/api/meshes/${meshId}/members/${victim.memberId}`, { token: owner.token });
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ id: victim.memberId, removedAt: expect.any(String) });
    for (const t of await Promise.all(gone)) expect(t - t0).toBeLessThan(1000);
    for (const p of sessions) expect(p.of('terminated')).toEqual([{ reason: 'removed', message: expect.any(String) }]);
    const after = (await http(server.baseUrl, 'GET', `/api/meshes/${meshId}`, { token: owner.token })).body.rootKeyEpoch;
    expect(after).toBe(before + 1);
    expect(bystander.socket.connected).toBe(true);
    expect((await bystander.next('root_key_rotated')).epoch).toBe(after);
    expect(await connectError(server.baseUrl, helloAuth(victim))).toMatchObject({ code: 'unauthorized' });
    expect(await connectError(server.baseUrl, helloAuth(victim, { passive: true }))).toMatchObject({ code: 'unauthorized' });
    bystander.close();
  });

  it('C-API-11: after archiving, POST …/invites → 410 mesh_archived, and claims on older invites → 410 mesh_archived', async () => {
    const meshId = await createMesh(server, owner, 'c-api-11');
    const v2 = await http(server.baseUrl, 'POST', `/api/meshes/${meshId}/invites`, { token: owner.token, body: { maxUses: 5 } });
    const v1 = await http(server.baseUrl, 'POST', `/api/meshes/${meshId}/invites`, { token: owner.token, body: { version: 1, maxUses: 5 } });
    expect([v2.status, v1.status]).toEqual([201, 201]);
    // before archiving both work (so the 410 below is the archive's doing)
    expect((await http(server.baseUrl, 'POST', `/api/public/invites/${v2.body.code}/claim`, { body: claimBody(v2.body.code, newPeer(), 'early') })).status).toBe(200);

    const archived = await http(server.baseUrl, 'POST', `/api/meshes/${meshId}/archive`, { token: owner.token });
    expect(archived.status).toBe(200);
    expect(archived.body.archivedAt).not.toBeNull();

    for (const body of [{}, { version: 1 }, { email: 'late@example.com' }]) {
      const r = await http(server.baseUrl, 'POST', `/api/meshes/${meshId}/invites`, { token: owner.token, body });
      expect([r.status, r.body.error.code]).toEqual([410, 'mesh_archived']);
    }
    const claim = await http(server.baseUrl, 'POST', `/api/public/invites/${v2.body.code}/claim`, { body: claimBody(v2.body.code, newPeer(), 'late') });
    expect([claim.status, claim.body.error.code, claim.body.error.details?.reason]).toEqual([410, 'mesh_archived', 'mesh_archived']);
    const alias = await http(server.baseUrl, 'POST', `/invites/${v2.body.code}/claim`, { body: claimBody(v2.body.code, newPeer(), 'late') });
    expect([alias.status, alias.body.error.code]).toEqual([410, 'mesh_archived']);
    const join = await http(server.baseUrl, 'POST', '/api/public/join', { body: joinBody(v1.body.token, newPeer(), 'late') });
    expect([join.status, join.body.error.code]).toEqual([410, 'mesh_archived']);
    // nothing was counted or admitted
    const list = await http(server.baseUrl, 'GET', `/api/meshes/${meshId}/invites`, { token: owner.token });
    expect(list.body.data.map((i: any) => [i.id, i.usedCount]).sort()).toEqual([[v1.body.id, 0], [v2.body.id, 1]].sort());
    expect((await http(server.baseUrl, 'GET', `/api/meshes/${meshId}/members`, { token: owner.token })).body.data).toHaveLength(1);
  });
});
