import { generateSigningKeyPair, generateUuid, helloSigningString, signDetached, openSealedForMember } from '@claudemesh/shared/crypto';
import type { TestApp } from '../../../server/src/testing/test-app';
import {
  admitMembers,
  connectError,
  connectPeer,
  createMesh,
  helloAuth,
  http,
  rawSocket,
  signupOwner,
  sleep,
  startBroker,
  startBrokerWithMesh,
  type Member,
  type Owner,
} from './harness';

describe('broker handshake (protocol.md §4, §5.1)', () => {
  let app: TestApp;
  let owner: Owner;
  let meshId: string;
  let m: Member[];

  beforeAll(async () => {
    ({ app, owner, meshId, members: m } = await startBrokerWithMesh(6));
  });
  afterAll(async () => app?.close());

  it('C-PROTO-3: a handshake signed over the exact signing string gets welcome as its first event', async () => {
    const p = await connectPeer(app.baseUrl, m[0], { displayName: 'alice-web', cwd: '/src/app', pid: 4242, groups: ['Backend', 'oncall'] });
    expect(p.events[0].event).toBe('welcome');
    const w = p.welcome;
    expect(w).toMatchObject({
      protocol: 1,
      meshId,
      meshName: 'platform',
      memberId: m[0].memberId,
      role: 'member',
      sessionId: p.sessionId,
      reattached: false,
      queued: 0,
      limits: { maxMessageBytes: 65536, claimLeaseSeconds: 30, maxInflight: 256 },
    });
    expect(w.presenceId).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(w.hookToken).toMatch(new RegExp(`^cmh1\\.${w.presenceId}\\.[A-Za-z0-9_-]+$`));
    expect(w.peerCount).toBeGreaterThanOrEqual(1);
    const self = w.peers.find((x) => x.sessionId === p.sessionId)!;
    expect(self).toMatchObject({ self: true, displayName: 'alice-web', cwd: '/src/app', groups: ['backend', 'oncall'], status: 'idle', statusSource: 'inferred', connected: true });
    expect(Math.abs(w.serverTime - Date.now())).toBeLessThan(5000);
    const key = openSealedForMember(w.rootKey.sealed, m[0].keys.secretKey);
    expect(key?.length).toBe(32);
    expect(w.rootKey.epoch).toBe(1);
    p.close();
  });

  it('C-PROTO-3: an event sent right after connect never hits a not-ready race', async () => {
    for (let i = 0; i < 5; i++) {
      const s = rawSocket(app.baseUrl, helloAuth(m[1]));
      const got = await new Promise<any>((resolve, reject) => {
        s.once('connect_error', reject);
        s.once('connect', () => s.emit('list_peers', {}, resolve));
      });
      expect(got.ok).toBe(true);
      s.disconnect();
    }
  });

  it('C-PROTO-4: 60 001 ms behind → timestamp_skew with serverTime; exactly 60 000 ms ahead → accepted', async () => {
    const before = Date.now();
    const e = await connectError(app.baseUrl, helloAuth(m[2], { timestamp: before - 60_001 }));
    expect(e).toMatchObject({ code: 'timestamp_skew' });
    expect(typeof e.message).toBe('string');
    expect(e.serverTime).toBeGreaterThanOrEqual(before);
    const p = await connectPeer(app.baseUrl, m[2], { timestamp: Date.now() + 60_000 });
    expect(p.welcome.memberId).toBe(m[2].memberId);
    p.close();
  });

  it('C-PROTO-5: another key → bad_signature; another meshId → bad_signature; pubkey not-hex → malformed', async () => {
    const other = generateSigningKeyPair();
    const sessionId = generateUuid();
    const ts = Date.now();
    const byOther = { meshId, pubkey: m[3].keys.publicKey, sessionId, timestamp: ts, signature: signDetached(helloSigningString(meshId, m[3].keys.publicKey, sessionId, ts), other.secretKey) };
    expect(await connectError(app.baseUrl, byOther)).toMatchObject({ code: 'bad_signature' });
    const otherMesh = 'A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv';
    const overOtherMesh = { ...byOther, signature: signDetached(helloSigningString(otherMesh, m[3].keys.publicKey, sessionId, ts), m[3].keys.secretKey) };
    expect(await connectError(app.baseUrl, overOtherMesh)).toMatchObject({ code: 'bad_signature' });
    expect(await connectError(app.baseUrl, { ...helloAuth(m[3]), pubkey: 'not-hex' })).toMatchObject({ code: 'malformed' });
    for (const bad of [{}, { ...helloAuth(m[3]), sessionId: 'ABC' }, { ...helloAuth(m[3]), timestamp: '1' }, { ...helloAuth(m[3]), groups: ['Bad Name'] }, { ...helloAuth(m[3]), displayName: 'a\u0001' }]) {
      expect(await connectError(app.baseUrl, bad)).toMatchObject({ code: 'malformed' });
    }
  });

  it('C-PROTO-6: the same auth object used twice → replay', async () => {
    const auth = helloAuth(m[3]);
    const s = rawSocket(app.baseUrl, auth);
    await new Promise<void>((resolve, reject) => {
      s.once('welcome', () => resolve());
      s.once('connect_error', reject);
    });
    expect(await connectError(app.baseUrl, auth)).toMatchObject({ code: 'replay' });
    s.disconnect();
  });

  it('C-PROTO-7: non-member → unauthorized; removed member → unauthorized; unknown or archived mesh → mesh_not_found', async () => {
    const stranger = { meshId, keys: generateSigningKeyPair() };
    expect(await connectError(app.baseUrl, helloAuth(stranger))).toMatchObject({ code: 'unauthorized' });
    const [gone] = await admitMembers(app, owner, meshId, 1, 'gone');
    const del = await http(app.baseUrl, 'DELETE', `/api/meshes/${meshId}/members/${gone.memberId}`, { token: owner.token });
    expect(del.status).toBe(200);
    expect(await connectError(app.baseUrl, helloAuth(gone))).toMatchObject({ code: 'unauthorized' });
    expect(await connectError(app.baseUrl, helloAuth({ meshId: 'A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv', keys: m[0].keys }))).toMatchObject({ code: 'mesh_not_found' });
    const otherMesh = await createMesh(app, owner, 'to-archive');
    const [x] = await admitMembers(app, owner, otherMesh, 1, 'arch');
    expect((await http(app.baseUrl, 'POST', `/api/meshes/${otherMesh}/archive`, { token: owner.token })).status).toBe(200);
    expect(await connectError(app.baseUrl, helloAuth(x))).toMatchObject({ code: 'mesh_not_found' });
  });

  it('C-PROTO-9: two connects with the same (member, sessionId) leave one presence; session_replaced; no peer events to others', async () => {
    const watcher = await connectPeer(app.baseUrl, m[4]);
    const first = await connectPeer(app.baseUrl, m[5]);
    await watcher.next('peer_joined', (p) => p.sessionId === first.sessionId);
    const disconnected = new Promise<string>((r) => first.socket.once('disconnect', r));
    const second = await connectPeer(app.baseUrl, m[5], { sessionId: first.sessionId });
    expect(second.welcome.reattached).toBe(true);
    expect(second.welcome.presenceId).toBe(first.welcome.presenceId);
    expect(second.welcome.hookToken).toBe(first.welcome.hookToken);
    const replaced = await first.next('session_replaced');
    expect(replaced).toMatchObject({ sessionId: first.sessionId });
    expect(new Date(replaced.replacedAt).toISOString()).toBe(replaced.replacedAt);
    expect(await disconnected).toBe('io server disconnect');
    await sleep(500);
    const rows = await app.dataSource.query(`SELECT count(*)::int AS n FROM mesh.presence WHERE member_id = $1 AND session_id = $2 AND ended_at IS NULL`, [m[5].memberId, first.sessionId]);
    expect(rows[0].n).toBe(1);
    const live = await app.dataSource.query(`SELECT socket_id FROM mesh.presence WHERE id = $1`, [first.welcome.presenceId]);
    expect(live[0].socket_id).toBe(second.socket.id);
    expect(watcher.of('peer_left').filter((e) => e.memberId === m[5].memberId)).toHaveLength(0);
    expect(watcher.of('peer_joined').filter((e) => e.memberId === m[5].memberId)).toHaveLength(0);
    // The surviving socket still works.
    expect((await second.call('list_peers', {})).ok).toBe(true);
    watcher.close();
    second.close();
  });
});

describe('broker capacity (C-PROTO-8)', () => {
  let app: TestApp;
  afterAll(async () => app?.close());

  it('C-PROTO-8: with MAX_CONNECTIONS_PER_MESH=2, a third session gets capacity; a reconnect of one of the two succeeds', async () => {
    app = await startBroker({ MAX_CONNECTIONS_PER_MESH: '2' });
    const owner = await signupOwner(app);
    const meshId = await createMesh(app, owner);
    const m = await admitMembers(app, owner, meshId, 3);
    const a = await connectPeer(app.baseUrl, m[0]);
    const b = await connectPeer(app.baseUrl, m[1]);
    const e = await connectError(app.baseUrl, helloAuth(m[2]));
    expect(e).toMatchObject({ code: 'capacity' });
    expect(e.retryAfterMs).toBeGreaterThan(0);
    // Passive connections are not subject to capacity.
    const passive = await connectPeer(app.baseUrl, m[2], { passive: true });
    expect(passive.welcome.presenceId).toBeNull();
    passive.close();
    // Reconnect of a live session (replace) and after a drop (reattach) both succeed.
    const a2 = await connectPeer(app.baseUrl, m[0], { sessionId: a.sessionId });
    expect(a2.welcome.reattached).toBe(true);
    b.socket.io.engine.close();
    await sleep(300);
    const b2 = await connectPeer(app.baseUrl, m[1], { sessionId: b.sessionId });
    expect(b2.welcome.reattached).toBe(true);
    a2.close();
    b2.close();
  });
});
