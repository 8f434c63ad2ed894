import { randomBytes } from 'node:crypto';
import { startRedisServer, toolsAvailable, type RedisServer } from '@claudemesh/database';
import { generateUuid, openDirect, openMulticast, openSealedForMember, sealDirect, sealMulticast } from '@claudemesh/shared/crypto';
import type { TestApp } from '../../../server/src/testing/test-app';
import { admitMembers, connectError, connectPeer, createMesh, helloAuth, http, rawSocket, signupOwner, startBroker, type Member, type Owner } from './harness';


(toolsAvailable('two-node broker e2e', ['redis-server']) ? describe : describe.skip)('two nodes with Redis (C-PROTO-30, C-PROTO-6, C-PROTO-29 across nodes, C-API-14)', () => {
  let n1: TestApp;
  let n2: TestApp;
  let owner: Owner;
  let meshId: string;
  let m: Member[];
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedisServer();
    const REDIS_URL = redis.url;
    const secret = randomBytes(32).toString('hex');
    n1 = await startBroker({ REDIS_URL, SERVER_SECRET: secret });
    n2 = await startBroker({ REDIS_URL, SERVER_SECRET: secret, DATABASE_URL: n1.config.databaseUrl! });
    // The last node to boot printed the valid setup token.
    owner = await signupOwner({ ...n1, setupToken: n2.setupToken });
    meshId = await createMesh(n1, owner);
    m = await admitMembers(n1, owner, meshId, 5);
  });
  afterAll(async () => {
    await n2?.close();
    await n1?.close();
    await redis?.stop();
  });

  it('C-PROTO-30: direct and broadcast between peers on different nodes are delivered; peer_joined crosses nodes', async () => {
    const a = await connectPeer(n1.baseUrl, m[0]);
    const b = await connectPeer(n2.baseUrl, m[1]);
    const joined = await a.next('peer_joined', (p) => p.sessionId === b.sessionId, 3000);
    expect(joined.memberId).toBe(m[1].memberId);
    const env = sealDirect({ v: 1, text: 'across' }, m[1].keys.publicKey, m[0].keys.secretKey);
    const t0 = Date.now();
    const ack = await a.call('send', { clientId: generateUuid(), to: m[1].keys.publicKey, nonce: env.nonce, ciphertext: env.ciphertext });
    const msg = await b.next('message', (x) => x.id === ack.messageId, 3000);
    expect(Date.now() - t0).toBeLessThan(1000); // by cm:nudge, not by the 5 s drain-scan
    expect(openDirect(msg, m[0].keys.publicKey, m[1].keys.secretKey)?.text).toBe('across');
    await b.call('ack', { messageIds: [msg.id] });
    const key = openSealedForMember(b.welcome.rootKey.sealed, m[1].keys.secretKey)!;
    const menv = sealMulticast({ v: 1, text: 'to all' }, { meshId, to: '*', keyEpoch: 1 }, key, m[1].keys.secretKey);
    const back = await b.call('send', { clientId: generateUuid(), to: '*', keyEpoch: 1, nonce: menv.nonce, ciphertext: menv.ciphertext });
    const got = await a.next('message', (x) => x.id === back.messageId, 3000);
    expect(openMulticast(got, { meshId, to: '*', keyEpoch: 1, senderPubkeyHex: m[1].keys.publicKey }, key)?.text).toBe('to all');
    // peer_status crosses too.
    await b.call('set_status', { status: 'working' });
    expect((await a.next('peer_status', (p) => p.sessionId === b.sessionId, 3000)).status).toBe('working');
    a.close();
    b.close();
  });

  it('C-PROTO-6: an auth replayed on the other node → replay', async () => {
    const auth = helloAuth(m[2]);
    const s = rawSocket(n1.baseUrl, auth);
    await new Promise<void>((resolve, reject) => {
      s.once('welcome', () => resolve());
      s.once('connect_error', reject);
    });
    expect(await connectError(n2.baseUrl, auth)).toMatchObject({ code: 'replay' });
    s.disconnect();
  });

  it('C-PROTO-9 across nodes: a second connect of the session on the other node replaces the first', async () => {
    const first = await connectPeer(n1.baseUrl, m[3]);
    const gone = new Promise<void>((r) => first.socket.once('disconnect', () => r()));
    const second = await connectPeer(n2.baseUrl, m[3], { sessionId: first.sessionId });
    expect(second.welcome.reattached).toBe(true);
    await first.next('session_replaced', () => true, 3000);
    await gone;
    second.close();
  });

  it('C-PROTO-29 across nodes: removing a member terminates its sessions on both nodes within 1 s; keys rotate everywhere', async () => {
    const a = await connectPeer(n1.baseUrl, m[0]);
    const v1 = await connectPeer(n1.baseUrl, m[4]);
    const v2 = await connectPeer(n2.baseUrl, m[4]);
    const gone = [v1, v2].map((p) => new Promise<number>((r) => p.socket.once('disconnect', () => r(Date.now()))));
    const t0 = Date.now();
    expect((await http(n2.baseUrl, 'DELETE', `/api/meshes/${meshId}/members/${m[4].memberId}`, { token: owner.token })).status).toBe(200);
    for (const t of await Promise.all(gone)) expect(t - t0).toBeLessThan(1000);
    expect(v1.of('terminated')[0].reason).toBe('removed');
    expect(v2.of('terminated')[0].reason).toBe('removed');
    const rotated = await a.next('root_key_rotated', () => true, 3000);
    expect(openSealedForMember(rotated.sealed, m[0].keys.secretKey)).toHaveLength(32);
    a.close();
  });

  it('C-API-14: /ui subscribers on node 2 see presence of a peer connecting to node 1 within 2 s', async () => {
    const ui = rawSocket(n2.baseUrl, { token: owner.token }, '/ui');
    await new Promise<void>((resolve, reject) => {
      ui.once('connect', () => resolve());
      ui.once('connect_error', reject);
    });
    expect(await new Promise((r) => ui.emit('subscribe', { meshId }, r))).toEqual({ ok: true });
    const seen = new Promise<any>((r) => ui.on('presence', (e) => e.kind === 'joined' && r(e)));
    const t0 = Date.now();
    const p = await connectPeer(n1.baseUrl, m[1]);
    const ev = await seen;
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(ev.peer.sessionId).toBe(p.sessionId);
    p.close();
    ui.disconnect();
  });
});
