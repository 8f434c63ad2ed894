import { generateUuid, openSealedForMember, sealMulticast } from '@claudemesh/shared/crypto';
import type { TestApp } from '../../../server/src/testing/test-app';
import { connectError, connectPeer, helloAuth, http, sleep, startBrokerWithMesh, type Member, type Owner } from './harness';

const multicast = (from: Member, epoch: number, key: Uint8Array) => {
  const env = sealMulticast({ v: 1, text: 'hi' }, { meshId: from.meshId, to: '*', keyEpoch: epoch }, key, from.keys.secretKey);
  return { clientId: generateUuid(), to: '*', keyEpoch: epoch, nonce: env.nonce, ciphertext: env.ciphertext };
};

describe('broker membership changes (C-PROTO-28, C-PROTO-29, leave, archive)', () => {
  let app: TestApp;
  let owner: Owner;
  let meshId: string;
  let m: Member[];

  beforeAll(async () => {
    ({ app, owner, meshId, members: m } = await startBrokerWithMesh(5));
  });
  afterAll(async () => app?.close());

  it('C-PROTO-28 + C-PROTO-29: removal sends terminated and disconnects every socket within 1 s, rotates the key, old epoch → stale_key_epoch', async () => {
    const a = await connectPeer(app.baseUrl, m[0]);
    const victim1 = await connectPeer(app.baseUrl, m[1]);
    const victim2 = await connectPeer(app.baseUrl, m[1]);
    const victimPassive = await connectPeer(app.baseUrl, m[1], { passive: true });
    const oldKey = openSealedForMember(a.welcome.rootKey.sealed, m[0].keys.secretKey)!;
    const gone = [victim1, victim2, victimPassive].map((p) => new Promise<number>((r) => p.socket.once('disconnect', () => r(Date.now()))));
    const t0 = Date.now();
    const del = await http(app.baseUrl, 'DELETE', `/api/meshes/${meshId}/members/${m[1].memberId}`, { token: owner.token });
    expect(del.status).toBe(200);
    const times = await Promise.all(gone);
    for (const t of times) expect(t - t0).toBeLessThan(1000);
    for (const p of [victim1, victim2, victimPassive]) {
      expect(p.of('terminated')).toEqual([{ reason: 'removed', message: expect.any(String) }]);
    }
    const left = await a.next('peer_left', (p) => p.memberId === m[1].memberId);
    expect(left.reason).toBe('removed');
    const rotated = await a.next('root_key_rotated');
    expect(rotated.epoch).toBe(2);
    const newKey = openSealedForMember(rotated.sealed, m[0].keys.secretKey)!;
    expect(newKey).toHaveLength(32);
    expect(Buffer.from(newKey).equals(Buffer.from(oldKey))).toBe(false);
    const stale = await a.call('send', multicast(m[0], 1, oldKey));
    expect(stale).toMatchObject({ ok: false, error: { code: 'stale_key_epoch', details: { currentEpoch: 2 } } });
    expect(await a.call('send', multicast(m[0], 2, newKey))).toMatchObject({ ok: true, recipients: 3 });
    // get_root_key: current by default; older epochs back to the joined one; unknown → not_found.
    expect(await a.call('get_root_key', {})).toMatchObject({ ok: true, epoch: 2 });
    const e1 = await a.call('get_root_key', { epoch: 1 });
    expect(Buffer.from(openSealedForMember(e1.sealed, m[0].keys.secretKey)!).equals(Buffer.from(oldKey))).toBe(true);
    expect(await a.call('get_root_key', { epoch: 9 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await a.call('get_root_key', { epoch: 'x' })).toMatchObject({ ok: false, error: { code: 'malformed' } });
    expect(await connectError(app.baseUrl, helloAuth(m[1]))).toMatchObject({ code: 'unauthorized' });
    a.close();
  });

  it('leave: ack {ok:true}, then terminated {left} and disconnect; the others get peer_left and the new key', async () => {
    const a = await connectPeer(app.baseUrl, m[2]);
    const leaver = await connectPeer(app.baseUrl, m[3]);
    const sibling = await connectPeer(app.baseUrl, m[3]);
    const done = new Promise<void>((r) => leaver.socket.once('disconnect', () => r()));
    const siblingDone = new Promise<void>((r) => sibling.socket.once('disconnect', () => r()));
    expect(await leaver.call('leave', {})).toEqual({ ok: true });
    await done;
    await siblingDone;
    const order = leaver.events.map((e) => e.event);
    expect(order).toContain('terminated');
    expect(leaver.of('terminated')[0].reason).toBe('left');
    expect(sibling.of('terminated')[0].reason).toBe('left');
    expect((await a.next('peer_left', (p) => p.memberId === m[3].memberId)).reason).toBe('left');
    expect((await a.next('root_key_rotated')).epoch).toBe(3);
    const row = await app.dataSource.query(`SELECT revoked_reason FROM mesh.member WHERE id = $1`, [m[3].memberId]);
    expect(row[0].revoked_reason).toBe('left');
    a.close();
  });

  it('archiving the mesh terminates every session (passive ones too) with mesh_archived', async () => {
    const a = await connectPeer(app.baseUrl, m[0]);
    const passive = await connectPeer(app.baseUrl, m[4], { passive: true });
    const gone = [a, passive].map((p) => new Promise<void>((r) => p.socket.once('disconnect', () => r())));
    expect((await http(app.baseUrl, 'POST', `/api/meshes/${meshId}/archive`, { token: owner.token })).status).toBe(200);
    await Promise.all(gone);
    expect(a.of('terminated')[0].reason).toBe('mesh_archived');
    expect(passive.of('terminated')[0].reason).toBe('mesh_archived');
    await sleep(200);
    const live = await app.dataSource.query(`SELECT count(*)::int AS n FROM mesh.presence WHERE mesh_id = $1 AND ended_at IS NULL`, [meshId]);
    expect(live[0].n).toBe(0);
    expect(await connectError(app.baseUrl, helloAuth(m[0]))).toMatchObject({ code: 'mesh_not_found' });
  });
});
