import { generateUuid, sealDirect, sealMulticast, openSealedForMember } from '@claudemesh/shared/crypto';
import type { TestApp } from '../../../server/src/testing/test-app';
import { admitMembers, connectPeer, createMesh, http, signupOwner, sleep, startBroker, waitFor, type Member } from './harness';

const direct = (from: Member, to: Member, text: string, priority?: string) => {
  const env = sealDirect({ v: 1, text }, to.keys.publicKey, from.keys.secretKey);
  return { clientId: generateUuid(), to: to.keys.publicKey, nonce: env.nonce, ciphertext: env.ciphertext, ...(priority ? { priority } : {}) };
};

const hook = (app: TestApp, token: string | null, body: unknown, headers: Record<string, string> = {}) =>
  http(app.baseUrl, 'POST', '/hook/set-status', { body, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });

const statusOf = async (app: TestApp, presenceId: string) =>
  (await app.dataSource.query(`SELECT status, status_source FROM mesh.presence WHERE id = $1`, [presenceId]))[0];

describe('broker presence and status (protocol.md §5, §8, §9)', () => {
  let app: TestApp;
  let meshId: string;
  let m: Member[];

  beforeAll(async () => {
    app = await startBroker({
      LEASE_GRACE_SECONDS: '3',
      HOOK_FRESH_WINDOW_SECONDS: '2',
      STATUS_TTL_SECONDS: '2',
      HOOK_RATE_LIMIT_PER_MIN: '1000',
      TASK_PERIODS: 'presence-evict=250,status-ttl=250,drain-scan=250',
    });
    const owner = await signupOwner(app);
    meshId = await createMesh(app, owner);
    m = await admitMembers(app, owner, meshId, 12);
  });
  afterAll(async () => app?.close());

  it('C-PROTO-10: a reconnect inside grace gives no peer_left; a drop with no reconnect gives exactly one peer_left after grace, then one peer_joined', async () => {
    const watcher = await connectPeer(app.baseUrl, m[0]);
    const b = await connectPeer(app.baseUrl, m[1]);
    await watcher.next('peer_joined', (p) => p.sessionId === b.sessionId);
    b.socket.io.engine.close();
    await sleep(1000);
    const b2 = await connectPeer(app.baseUrl, m[1], { sessionId: b.sessionId });
    expect(b2.welcome.reattached).toBe(true);
    expect(b2.welcome.presenceId).toBe(b.welcome.presenceId);
    await sleep(4000);
    const about = (ev: string) => watcher.of(ev).filter((p) => p.sessionId === b.sessionId);
    expect(about('peer_left')).toHaveLength(0);
    expect(about('peer_joined')).toHaveLength(0);
    // Now a drop with no reconnect.
    const t0 = Date.now();
    b2.socket.io.engine.close();
    const left = await watcher.next('peer_left', (p) => p.sessionId === b.sessionId, 10_000);
    const after = Date.now() - t0;
    expect(after).toBeGreaterThanOrEqual(2900);
    expect(after).toBeLessThan(3000 + 1500);
    expect(left).toEqual({ memberId: m[1].memberId, pubkey: m[1].keys.publicKey, displayName: 'peer-1', sessionId: b.sessionId, reason: 'timeout' });
    await sleep(800);
    expect(about('peer_left')).toHaveLength(0);
    const b3 = await connectPeer(app.baseUrl, m[1], { sessionId: b.sessionId });
    expect(b3.welcome.reattached).toBe(false);
    const joined = await watcher.next('peer_joined', (p) => p.sessionId === b.sessionId);
    expect(joined).toMatchObject({ memberId: m[1].memberId, self: false, connected: true, status: 'idle' });
    await sleep(300);
    expect(about('peer_joined')).toHaveLength(0);
    // A client-side close ends the presence at once (reason closed).
    b3.close();
    expect(await watcher.next('peer_left', (p) => p.sessionId === b.sessionId, 2000)).toMatchObject({ reason: 'closed' });
    watcher.close();
  });

  it('C-PROTO-20: while working a next is held and a now delivered; on idle the held next arrives within 1 s', async () => {
    const a = await connectPeer(app.baseUrl, m[2]);
    const b = await connectPeer(app.baseUrl, m[3]);
    expect(await b.call('set_status', { status: 'working' })).toEqual({ ok: true, applied: true, status: 'working', source: 'manual' });
    const held = await a.call('send', direct(m[2], m[3], 'later', 'next'));
    const low = await a.call('send', direct(m[2], m[3], 'much later', 'low'));
    const urgent = await a.call('send', direct(m[2], m[3], 'now!', 'now'));
    const got = await b.next('message', (x) => x.id === urgent.messageId);
    expect(got.priority).toBe('now');
    await sleep(600);
    expect(b.of('message').filter((x) => x.id === held.messageId || x.id === low.messageId)).toHaveLength(0);
    const t0 = Date.now();
    await b.call('set_status', { status: 'idle' });
    await b.next('message', (x) => x.id === held.messageId, 1000);
    await b.next('message', (x) => x.id === low.messageId, 1000);
    expect(Date.now() - t0).toBeLessThan(1000);
    a.close();
    b.close();
  });

  it('C-PROTO-21: manual dnd is not changed by a hook idle; only set_status from the member leaves it', async () => {
    const b = await connectPeer(app.baseUrl, m[4]);
    expect((await b.call('set_status', { status: 'dnd' })).applied).toBe(true);
    const r = await hook(app, b.welcome.hookToken, { status: 'idle' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ok: true, applied: false, status: 'dnd', source: 'manual', presenceId: b.welcome.presenceId });
    await sleep(2500); // past the fresh window: still not applied
    expect((await hook(app, b.welcome.hookToken, { status: 'working' })).body.applied).toBe(false);
    expect(await statusOf(app, b.welcome.presenceId!)).toEqual({ status: 'dnd', status_source: 'manual' });
    expect(await b.call('set_status', { status: 'idle' })).toEqual({ ok: true, applied: true, status: 'idle', source: 'manual' });
    b.close();
  });

  it('C-PROTO-22: hook working then manual idle within the fresh window → applied:false; after it → applied', async () => {
    const b = await connectPeer(app.baseUrl, m[5]);
    expect((await hook(app, b.welcome.hookToken, { status: 'working', sessionId: b.sessionId })).body).toMatchObject({ applied: true, status: 'working', source: 'hook' });
    await sleep(1000);
    expect(await b.call('set_status', { status: 'idle' })).toEqual({ ok: true, applied: false, status: 'working', source: 'hook' });
    await sleep(1300);
    expect(await b.call('set_status', { status: 'idle' })).toEqual({ ok: true, applied: true, status: 'idle', source: 'manual' });
    b.close();
  });

  it('C-PROTO-23: working with no refresh flips to idle/inferred within STATUS_TTL + sweep; dnd stays', async () => {
    const w = await connectPeer(app.baseUrl, m[6]);
    const d = await connectPeer(app.baseUrl, m[7]);
    const watcher = await connectPeer(app.baseUrl, m[8]);
    await w.call('set_status', { status: 'working' });
    await d.call('set_status', { status: 'dnd' });
    const flipped = await watcher.next('peer_status', (p) => p.sessionId === w.sessionId && p.status === 'idle', 5000);
    expect(flipped).toMatchObject({ memberId: m[6].memberId, statusSource: 'inferred' });
    expect(await statusOf(app, w.welcome.presenceId!)).toEqual({ status: 'idle', status_source: 'inferred' });
    await sleep(1000);
    expect(await statusOf(app, d.welcome.presenceId!)).toEqual({ status: 'dnd', status_source: 'manual' });
    for (const p of [w, d, watcher]) p.close();
  });

  it('C-PROTO-26: no token, forged MAC or an ended presence → 401 and nothing changes; a valid token → 200 and peer_status to others', async () => {
    const b = await connectPeer(app.baseUrl, m[9]);
    const watcher = await connectPeer(app.baseUrl, m[10]);
    const token = b.welcome.hookToken!;
    const forged = token.slice(0, -3) + (token.endsWith('AAA') ? 'BBB' : 'AAA');
    for (const t of [null, forged, 'cmh1.nope', `cmh1.${b.welcome.presenceId}.`]) {
      const r = await hook(app, t, { status: 'working' });
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('unauthenticated');
    }
    expect(await statusOf(app, b.welcome.presenceId!)).toEqual({ status: 'idle', status_source: 'inferred' });
    expect((await hook(app, token, { status: 'busy' })).body.error.code).toBe('validation_failed');
    expect((await hook(app, token, { status: 'working', extra: 1 })).status).toBe(400);
    expect((await hook(app, token, { status: 'working', sessionId: generateUuid() })).body.error.code).toBe('session_mismatch');
    expect((await http(app.baseUrl, 'POST', '/hook/set-status', { raw: 'status=working', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await hook(app, token, { status: 'working', pad: 'x'.repeat(5000) })).status).toBe(413);
    expect(await statusOf(app, b.welcome.presenceId!)).toEqual({ status: 'idle', status_source: 'inferred' });
    const ok = await hook(app, token, { status: 'working' });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ ok: true, applied: true, status: 'working', source: 'hook', presenceId: b.welcome.presenceId });
    const ev = await watcher.next('peer_status', (p) => p.sessionId === b.sessionId);
    expect(ev).toEqual({ memberId: m[9].memberId, sessionId: b.sessionId, displayName: 'peer-9', status: 'working', statusSource: 'hook', summary: '', groups: [] });
    expect(b.of('peer_status')).toHaveLength(0); // a member's own sessions get no events about it
    b.close();
    await sleep(300);
    const ended = await hook(app, token, { status: 'idle' });
    expect(ended.status).toBe(401);
    watcher.close();
  });

  it('hook rate limit per presence → 429 with Retry-After and details.retryAfterMs', async () => {
    const small = await startBroker({ HOOK_RATE_LIMIT_PER_MIN: '3' });
    try {
      const owner = await signupOwner(small);
      const mesh = await createMesh(small, owner);
      const [x] = await admitMembers(small, owner, mesh, 1);
      const p = await connectPeer(small.baseUrl, x);
      for (let i = 0; i < 3; i++) expect((await hook(small, p.welcome.hookToken, { status: 'working' })).status).toBe(200);
      const res = await fetch(`${small.baseUrl}/hook/set-status`, {
        method: 'POST',
        headers: { authorization: `Bearer ${p.welcome.hookToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'working' }),
      });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await res.json()) as any).error.details.retryAfterMs).toBeGreaterThan(0);
      p.close();
    } finally {
      await small.close();
    }
  });

  it('set_summary, set_groups, group messages and list_peers (C-PROTO-32: passive is never listed and never gets messages)', async () => {
    const a = await connectPeer(app.baseUrl, m[11], { displayName: 'alpha' });
    const b = await connectPeer(app.baseUrl, m[2]);
    const passive = await connectPeer(app.baseUrl, m[3], { passive: true });
    expect(passive.welcome).toMatchObject({ presenceId: null, hookToken: null, reattached: false });
    expect(await a.call('set_summary', { summary: '  Refactoring billing  ' })).toEqual({ ok: true });
    const st = await b.next('peer_status', (p) => p.sessionId === a.sessionId && p.summary === 'Refactoring billing');
    expect(st.displayName).toBe('alpha');
    expect(await a.call('set_summary', { summary: 'x'.repeat(281) })).toMatchObject({ ok: false, error: { code: 'malformed' } });
    expect(await a.call('set_groups', { groups: ['Backend', 'oncall', 'backend'] })).toEqual({ ok: true, groups: ['backend', 'oncall'] });
    expect(await a.call('set_groups', { groups: ['bad name'] })).toMatchObject({ ok: false, error: { code: 'malformed' } });
    const list = await b.call('list_peers', {});
    expect(list.ok).toBe(true);
    expect(list.nextCursor).toBeNull();
    const entry = list.peers.find((p: any) => p.sessionId === a.sessionId);
    expect(entry).toMatchObject({ memberId: m[11].memberId, groups: ['backend', 'oncall'], summary: 'Refactoring billing', self: false, connected: true });
    expect(list.peers.find((p: any) => p.sessionId === b.sessionId).self).toBe(true);
    expect(list.peers.some((p: any) => p.memberId === m[3].memberId)).toBe(false);
    // Pagination with an opaque cursor, and offline members after live ones.
    const page1 = await b.call('list_peers', { includeOffline: true, limit: 1 });
    expect(page1.peers).toHaveLength(1);
    expect(typeof page1.nextCursor).toBe('string');
    const all: any[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await b.call('list_peers', { includeOffline: true, limit: 3, ...(cursor ? { cursor } : {}) });
      all.push(...page.peers);
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(all.map((p) => p.memberId)).size).toBe(12);
    const offline = all.filter((p) => !p.connected);
    expect(offline.every((p) => p.sessionId === null && p.status === null && p.summary === '' && p.connectedAt === null)).toBe(true);
    expect(await b.call('list_peers', { cursor: 'garbage' })).toMatchObject({ ok: false, error: { code: 'malformed' } });
    expect(await b.call('list_peers', { limit: 1001 })).toMatchObject({ ok: false, error: { code: 'malformed' } });
    // Group message: reaches members of @backend only.
    const key = openSealedForMember(b.welcome.rootKey.sealed, m[2].keys.secretKey)!;
    const env = sealMulticast({ v: 1, text: 'backend only' }, { meshId, to: '@backend', keyEpoch: 1 }, key, m[2].keys.secretKey);
    const ack = await b.call('send', { clientId: generateUuid(), to: '@backend', keyEpoch: 1, nonce: env.nonce, ciphertext: env.ciphertext });
    expect(ack).toMatchObject({ ok: true, recipients: 1 });
    expect((await a.next('message', (x) => x.id === ack.messageId)).to).toBe('@backend');
    const nobody = await b.call('send', { clientId: generateUuid(), to: '@nobody', keyEpoch: 1, nonce: env.nonce, ciphertext: env.ciphertext });
    expect(nobody).toMatchObject({ ok: true, recipients: 0 });
    // A passive connection: no messages, ack forbidden, set_status must name a session.
    const toPassive = await a.call('send', direct(m[11], m[3], 'to a passive-only member'));
    expect(toPassive.recipients).toBe(1);
    await sleep(700);
    expect(passive.of('message')).toHaveLength(0);
    expect(await passive.call('ack', { messageIds: [toPassive.messageId] })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await passive.call('set_status', { status: 'dnd' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await passive.call('set_status', { status: 'dnd', sessionId: b.sessionId })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(passive.of('peer_joined')).toHaveLength(0);
    expect(passive.of('peer_status')).toHaveLength(0);
    const full = await connectPeer(app.baseUrl, m[3]);
    expect(await passive.call('set_status', { status: 'dnd', sessionId: full.sessionId })).toMatchObject({ ok: true, applied: true });
    expect((await full.next('message', (x) => x.id === toPassive.messageId)).id).toBe(toPassive.messageId);
    expect(await passive.call('list_peers', {})).toMatchObject({ ok: true });
    for (const p of [a, b, passive, full]) p.close();
  });

  it('a sibling session never receives its own member’s broadcast; toSession pins a direct message', async () => {
    const s1 = await connectPeer(app.baseUrl, m[4]);
    const s2 = await connectPeer(app.baseUrl, m[4]);
    const other = await connectPeer(app.baseUrl, m[5]);
    const key = openSealedForMember(s1.welcome.rootKey.sealed, m[4].keys.secretKey)!;
    const env = sealMulticast({ v: 1, text: 'all' }, { meshId, to: '*', keyEpoch: 1 }, key, m[4].keys.secretKey);
    const ack = await s1.call('send', { clientId: generateUuid(), to: '*', keyEpoch: 1, nonce: env.nonce, ciphertext: env.ciphertext });
    await other.next('message', (x) => x.id === ack.messageId);
    // Pinned to s2: s1 never gets it. Also a message to one's own member key goes to the sibling, not the sender.
    const pinned = await other.call('send', { ...direct(m[5], m[4], 'for s2'), toSession: s2.sessionId });
    const self = await s1.call('send', direct(m[4], m[4], 'note to self'));
    await s2.next('message', (x) => x.id === pinned.messageId);
    await s2.next('message', (x) => x.id === self.messageId);
    await sleep(600);
    expect(s1.of('message').filter((x) => [ack.messageId, pinned.messageId, self.messageId].includes(x.id))).toHaveLength(0);
    expect(s2.of('message').filter((x) => x.id === ack.messageId)).toHaveLength(0);
    expect(await other.call('send', { ...direct(m[5], m[4], 'bad'), to: '*', toSession: s2.sessionId, keyEpoch: 1 })).toMatchObject({ ok: false, error: { code: 'malformed' } });
    await waitFor(() => true);
    for (const p of [s1, s2, other]) p.close();
  });
});
