/**
 * Black-box conformance of the /peer namespace, written only from the contract (protocol.md §3–§8, security.md §5–§6)
 * by an independent client (./contract-peer): its own signing strings and envelopes, plain socket.io-client.
 * Only the server start and the REST admission fixture come from the broker harness.
 */
import { createHash } from 'node:crypto';
import type { TestApp } from '../../../server/src/testing/test-app';
import { admitMembers, createMesh, http, startBroker, startBrokerWithMesh, signupOwner, type Member, type Owner } from '../broker/harness';
import { malformedHellos } from './contract-cases';
import { ID, MAX, PEER_KEYS, expectAckError, expectRefusal } from './contract-fixture';
import {
  b64,
  b64url,
  bytes,
  connect,
  freshIp,
  hello,
  helloString,
  identityFromSeed,
  kMc,
  na,
  newIdentity,
  openSealedRootKey,
  refused,
  sealDirect,
  signHex,
  sodiumReady,
  uuid,
  type HelloOpts,
  type Identity,
} from './contract-peer';

describe('peer contract: handshake (protocol.md §4, §5.1, §11)', () => {
  let app: TestApp;
  let owner: Owner;
  let meshId: string;
  let m: Member[];
  const ident = (x: Member): Identity => ({ publicKey: x.keys.publicKey, secretKey: x.keys.secretKey });
  const auth = (x: Member, o: HelloOpts = {}) => hello(x.meshId, ident(x), o);

  beforeAll(async () => {
    await sodiumReady();
    ({ app, owner, meshId, members: m } = await startBrokerWithMesh(4, { MAX_MESSAGE_BYTES: String(MAX) }));
  });
  afterAll(async () => app?.close());

  it('§11 vectors: this client reproduces the identity, hello signature, x25519 key and K_mc of the contract', () => {
    const seed = Uint8Array.from({ length: 32 }, (_, i) => 0x20 + i);
    const id = identityFromSeed(seed);
    expect(id.publicKey).toBe('29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7');
    expect(b64url(na().crypto_sign_ed25519_pk_to_curve25519(na().from_hex(id.publicKey)))).toBe('VzCACrNA_LGM5REe2p1wX5E4i0HkVEy9EDullC2yIz4');
    const text = helloString('A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv', id.publicKey, 'b96ddc1c-7953-499b-b19c-7f624f5dfbea', 1796119200000);
    expect(signHex(text, id.secretKey)).toBe(
      'ed255b4a15b1bc194f8196f702ac6cdde80e9402e2afe4a55c69dabd219351d2641092cca2ff1245cf46313fe8d6b5445bcc28afdd080c851bbde7dd10491701',
    );
    const root = Uint8Array.from({ length: 32 }, (_, i) => 0x40 + i);
    expect(b64url(root)).toBe('QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8');
    expect(na().to_hex(kMc(root))).toBe('7656428164d17ef0dd7d96855d9fdebc3dc6e814fdd5c59486e13d4d7b622595');
  });

  it('C-PROTO-3: welcome is the first event and has exactly the §7.2 fields; the sealed key opens to 32 bytes', async () => {
    const before = Date.now();
    const p = await connect(app.baseUrl, auth(m[0]));
    expect(p.log[0].event).toBe('welcome');
    const w = p.welcome;
    expect(Object.keys(w).sort()).toEqual(
      ['hookToken', 'limits', 'meshId', 'meshName', 'memberId', 'peerCount', 'peers', 'presenceId', 'protocol', 'queued', 'reattached', 'role', 'rootKey', 'serverTime', 'sessionId'].sort(),
    );
    expect(w).toMatchObject({ protocol: 1, meshId, meshName: 'platform', memberId: m[0].memberId, role: 'member', sessionId: p.sessionId, reattached: false });
    expect(w.presenceId).toMatch(ID);
    expect(w.hookToken).toMatch(new RegExp(`^cmh1\\.${w.presenceId}\\.[A-Za-z0-9_-]{43}$`));
    expect(w.limits).toEqual({ maxMessageBytes: MAX, claimLeaseSeconds: 30, maxInflight: 256 });
    expect(Object.keys(w.rootKey).sort()).toEqual(['epoch', 'sealed']);
    expect(w.rootKey.epoch).toBe(1);
    expect(openSealedRootKey(w.rootKey.sealed, ident(m[0]))).toHaveLength(32);
    expect(Number.isInteger(w.serverTime) && w.serverTime >= before - 5 && w.serverTime <= Date.now() + 5).toBe(true);
    // The first page of list_peers, the caller's own presence included; the display name defaults to the member's.
    expect(w.peers).toEqual([expect.objectContaining({ sessionId: p.sessionId, memberId: m[0].memberId, displayName: m[0].displayName, self: true, connected: true })]);
    expect(Object.keys(w.peers[0]).sort()).toEqual(PEER_KEYS);
    expect(w.peerCount).toBe(1);
    expect(w.queued).toBe(0);
    p.close();
  });

  it('an event emitted before the welcome (buffered while connecting) is answered after the welcome', async () => {
    let early: Promise<any> | undefined;
    const p = await connect(app.baseUrl, auth(m[1]), { before: (peer) => (early = peer.call('list_peers', {})) });
    expect((await early!).ok).toBe(true);
    expect(p.log.map((e) => e.event).slice(0, 2)).toEqual(['welcome', 'ack:list_peers']);
    p.close();
  });

  it('check 1: every field rule of the §4 table → malformed, with {code, message} only', async () => {
    for (const c of malformedHellos(meshId)) {
      const a = auth(m[2], { sessionId: c.sessionId, timestamp: c.timestamp, fields: c.fields, omit: c.omit });
      const data = await refused(app.baseUrl, a);
      expect({ case: c.name, code: data.code }).toEqual({ case: c.name, code: 'malformed' });
      expectRefusal(data, 'malformed');
    }
    // Not an object at all.
    expectRefusal(await refused(app.baseUrl, undefined), 'malformed');
  });

  it('check 1: every optional field at its bound is accepted; displayName is trimmed; unknown auth keys are ignored', async () => {
    const fields = {
      displayName: `  ${'n'.repeat(64)}  `,
      pid: 2147483647,
      cwd: `/${'d'.repeat(511)}`,
      groups: Array.from({ length: 32 }, (_, i) => `g-${i}`),
      passive: false,
      client: 'c'.repeat(64),
      futureField: { anything: true },
    };
    const p = await connect(app.baseUrl, auth(m[2], { fields }));
    const me = (await p.call('list_peers', {})).peers.find((x: any) => x.sessionId === p.sessionId);
    expect(me).toMatchObject({ displayName: 'n'.repeat(64), cwd: fields.cwd, groups: fields.groups, self: true, connected: true });
    p.close();
  });

  it('check order: malformed beats skew and signature; skew beats signature; signature beats mesh and membership', async () => {
    const stranger = newIdentity();
    const old = Date.now() - 120_000;
    expectRefusal(await refused(app.baseUrl, auth(m[0], { timestamp: old, signer: stranger, fields: { pid: 0 } })), 'malformed');
    const skew = await refused(app.baseUrl, auth(m[0], { timestamp: old, signer: stranger }));
    expectRefusal(skew, 'timestamp_skew', ['serverTime']);
    expectRefusal(await refused(app.baseUrl, hello('0'.repeat(32), stranger, { signer: newIdentity() })), 'bad_signature');
  });

  it('C-PROTO-4: 60 001 ms behind → timestamp_skew with serverTime; exactly 60 000 ms ahead → accepted; 61 s ahead → skew', async () => {
    const t0 = Date.now();
    const d = await refused(app.baseUrl, auth(m[0], { timestamp: t0 - 60_001 }));
    expectRefusal(d, 'timestamp_skew', ['serverTime']);
    expect(d.serverTime).toBeGreaterThanOrEqual(t0);
    expect(d.serverTime).toBeLessThanOrEqual(Date.now());
    const ok = await connect(app.baseUrl, auth(m[0], { timestamp: Date.now() + 60_000 }));
    ok.close();
    expectRefusal(await refused(app.baseUrl, auth(m[0], { timestamp: Date.now() + 61_000 })), 'timestamp_skew', ['serverTime']);
  });

  it('C-PROTO-5: a signature by another key, over another meshId, another sessionId or timestamp, or with a trailing newline → bad_signature', async () => {
    const sessionId = uuid();
    const ts = Date.now();
    const variants: HelloOpts[] = [
      { sessionId, timestamp: ts, signer: newIdentity() },
      { sessionId, timestamp: ts, signed: helloString('B'.repeat(32), m[0].keys.publicKey, sessionId, ts) },
      { sessionId, timestamp: ts, signed: helloString(meshId, m[0].keys.publicKey, uuid(), ts) },
      { sessionId, timestamp: ts, signed: helloString(meshId, m[0].keys.publicKey, sessionId, ts + 1) },
      { sessionId, timestamp: ts, signed: `${helloString(meshId, m[0].keys.publicKey, sessionId, ts)}\n` },
      { sessionId, timestamp: ts, signed: helloString(meshId, m[0].keys.publicKey, sessionId, ts).replace('|v1|', '|v2|') },
    ];
    for (const v of variants) expectRefusal(await refused(app.baseUrl, auth(m[0], v)), 'bad_signature');
  });

  it('C-PROTO-6: the same auth twice → replay; a refused-later triple is still spent; a new timestamp then connects', async () => {
    const a = auth(m[3]);
    const first = await connect(app.baseUrl, a);
    // Still connected: a replayed auth must not replace the live session.
    expectRefusal(await refused(app.baseUrl, a), 'replay');
    // The key is (pubkey, timestamp, signature): changing unsigned fields does not make it new.
    expectRefusal(await refused(app.baseUrl, { ...a, passive: true, displayName: 'again' }), 'replay');
    expect(first.socket.connected).toBe(true);
    // data-model.md: the store is keyed by SHA-256 hex of pubkey|timestamp|signature, kept for twice the skew window.
    const key = createHash('sha256').update(`${a['pubkey']}|${a['timestamp']}|${a['signature']}`).digest('hex');
    const [row] = await app.dataSource.query('SELECT extract(epoch FROM expires_at) * 1000 AS exp FROM mesh.handshake_replay WHERE key = $1', [key]);
    expect(Number(row.exp)).toBeGreaterThan(Date.now() + 60_000);
    expect(Number(row.exp)).toBeLessThanOrEqual(Date.now() + 120_000 + 1000);
    // The triple is spent at check 4 even when check 5 refuses it afterwards.
    const stranger = newIdentity();
    const ghost = hello('Z'.repeat(32), stranger);
    expectRefusal(await refused(app.baseUrl, ghost), 'mesh_not_found');
    expectRefusal(await refused(app.baseUrl, ghost), 'replay');
    // A badly signed auth never reaches the replay store: it stays bad_signature.
    const bad = auth(m[3], { signer: stranger });
    expectRefusal(await refused(app.baseUrl, bad), 'bad_signature');
    expectRefusal(await refused(app.baseUrl, bad), 'bad_signature');
    const again = await connect(app.baseUrl, auth(m[3], { sessionId: first.sessionId }));
    expect(again.welcome.reattached).toBe(true);
    again.close();
  });

  it('C-PROTO-7: unknown mesh → mesh_not_found; non-member, member of another mesh or removed → unauthorized; archived → mesh_not_found', async () => {
    expectRefusal(await refused(app.baseUrl, hello('Q'.repeat(32), newIdentity())), 'mesh_not_found');
    expectRefusal(await refused(app.baseUrl, hello(meshId, newIdentity())), 'unauthorized');
    const otherMesh = await createMesh(app, owner, 'other');
    const [o1, o2, o3] = await admitMembers(app, owner, otherMesh, 3, 'other');
    // A key admitted to another mesh is not a member of this one.
    expectRefusal(await refused(app.baseUrl, hello(meshId, ident(o1))), 'unauthorized');
    const del = await http(app.baseUrl, 'DELETE', `/api/meshes/${otherMesh}/members/${o2.memberId}`, { token: owner.token });
    expect(del.status).toBe(200);
    expectRefusal(await refused(app.baseUrl, auth(o2)), 'unauthorized');
    const arch = await http(app.baseUrl, 'POST', `/api/meshes/${otherMesh}/archive`, { token: owner.token });
    expect(arch.status).toBe(200);
    expectRefusal(await refused(app.baseUrl, auth(o3)), 'mesh_not_found');
    // Check 5 precedes check 6: a removed member of an archived mesh hears mesh_not_found.
    expectRefusal(await refused(app.baseUrl, auth(o2)), 'mesh_not_found');
  });

  it('§3: polling is refused; only the websocket transport connects', async () => {
    const d = await refused(app.baseUrl, auth(m[0]), { transports: ['polling'] });
    expect(d.code).toBeUndefined();
  });
});

describe('peer contract: capacity and handshake rate (checks 0 and 7)', () => {
  let app: TestApp;
  let m: Member[];
  const auth = (x: Member, o: HelloOpts = {}) => hello(x.meshId, { publicKey: x.keys.publicKey, secretKey: x.keys.secretKey }, o);

  beforeAll(async () => {
    await sodiumReady();
    app = await startBroker({
      MAX_CONNECTIONS_PER_MESH: '3',
      MAX_SESSIONS_PER_MEMBER: '2',
      HANDSHAKE_RATE_PER_IP_PER_MIN: '5',
      // A bucket of 3 that refills once a minute: empty for the whole suite once spent.
      SEND_RATE_BURST: '3',
      SEND_RATE_PER_MIN: '1',
    });
    const owner = await signupOwner(app);
    const meshId = await createMesh(app, owner);
    m = await admitMembers(app, owner, meshId, 4);
    const del = await http(app.baseUrl, 'DELETE', `/api/meshes/${meshId}/members/${m[3].memberId}`, { token: owner.token });
    expect(del.status).toBe(200);
  });
  afterAll(async () => app?.close());

  it('C-PROTO-8: member and mesh limits → capacity with retryAfterMs; replace, reattach and passive still connect; membership is checked first', async () => {
    const a1 = await connect(app.baseUrl, auth(m[0]));
    const a2 = await connect(app.baseUrl, auth(m[0]));
    const perMember = await refused(app.baseUrl, auth(m[0]));
    expectRefusal(perMember, 'capacity', ['retryAfterMs']);
    expect(perMember.retryAfterMs).toBeGreaterThan(0);
    const b1 = await connect(app.baseUrl, auth(m[1]));
    expectRefusal(await refused(app.baseUrl, auth(m[2])), 'capacity', ['retryAfterMs']);
    // Check 6 precedes check 7: a stranger and a removed member hear unauthorized even at capacity.
    expectRefusal(await refused(app.baseUrl, hello(m[0].meshId, newIdentity())), 'unauthorized');
    expectRefusal(await refused(app.baseUrl, auth(m[3])), 'unauthorized');
    // Capacity is skipped for a session that still has a non-ended presence: replace (live) and reattach (in grace).
    const a1b = await connect(app.baseUrl, auth(m[0], { sessionId: a1.sessionId }));
    expect(a1b.welcome).toMatchObject({ reattached: true, presenceId: a1.welcome.presenceId });
    await a1.next('session_replaced');
    b1.dropTransport();
    const b1b = await connect(app.baseUrl, auth(m[1], { sessionId: b1.sessionId }));
    expect(b1b.welcome).toMatchObject({ reattached: true, presenceId: b1.welcome.presenceId, hookToken: b1.welcome.hookToken });
    const passive = await connect(app.baseUrl, auth(m[2], { fields: { passive: true } }));
    expect(passive.welcome).toMatchObject({ presenceId: null, hookToken: null });
    for (const p of [a1b, a2, b1b, passive]) p.close();
  });

  it('§7.1 send check 4: an empty member bucket → rate_limited with retryAfterMs, after malformed, too_large and the idempotency lookup, before unknown_recipient; shared by sessions', async () => {
    const p1 = await connect(app.baseUrl, auth(m[2], { fields: { passive: true } }));
    const p2 = await connect(app.baseUrl, auth(m[2], { fields: { passive: true } }));
    const direct = () => ({ clientId: uuid(), to: m[1].keys.publicKey, ...sealDirect('x', m[1].keys.publicKey, { publicKey: m[2].keys.publicKey, secretKey: m[2].keys.secretKey }) });
    const first = direct();
    const firstAck = await p1.call('send', first);
    expect(firstAck).toMatchObject({ ok: true, recipients: 1 });
    expect((await p2.call('send', direct())).ok).toBe(true);
    expect((await p1.call('send', direct())).ok).toBe(true);
    const limited = await p2.call('send', { ...direct(), to: newIdentity().publicKey });
    expectAckError(limited, 'rate_limited');
    expect(limited.error.retryAfterMs).toBeGreaterThan(0);
    expectAckError(await p1.call('send', { ...direct(), nonce: b64(bytes(8)) }), 'malformed');
    expectAckError(await p1.call('send', { ...direct(), ciphertext: b64(bytes(65_537)) }), 'too_large');
    expect(await p1.call('send', first)).toEqual({ ok: true, messageId: firstAck.messageId, seq: firstAck.seq, recipients: 1, duplicate: true });
    expectAckError(await p1.call('send', { ...first, priority: 'low' }), 'idempotency_conflict');
    p1.close();
    p2.close();
  });

  it('check 0: per-IP handshake rate → rate_limited with retryAfterMs, before any other check', async () => {
    const ip = freshIp();
    for (let i = 0; i < 5; i++) expectRefusal(await refused(app.baseUrl, auth(m[1], { fields: { pid: 0 } }), { ip }), 'malformed');
    const d = await refused(app.baseUrl, auth(m[1], { fields: { pid: 0 } }), { ip });
    expectRefusal(d, 'rate_limited', ['retryAfterMs']);
    expect(d.retryAfterMs).toBeGreaterThan(0);
    expectRefusal(await refused(app.baseUrl, auth(m[1]), { ip }), 'rate_limited', ['retryAfterMs']);
    // Another address is unaffected.
    const ok = await connect(app.baseUrl, auth(m[1]));
    ok.close();
  });
});
