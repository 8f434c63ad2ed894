/**
 * Black-box conformance of the /peer client events around messages (protocol.md §3, §6, §7.1 send/ack, §7.2 message),
 * from an independent client: hostile payloads, check order, targets, priorities, ordering and acks.
 */
import { admitMembers, createMesh, http } from '../broker/harness';
import { malformedDirectSends, malformedMulticastSends, nonObjects } from './contract-cases';
import { ID, MAX, MESSAGE_KEYS, expectAckError, ident, startWorld, type World } from './contract-fixture';
import { b64, bytes, connect, hello, newIdentity, openDirect, openMulticast, openSealedRootKey, sealMulticast, uuid, type Peer } from './contract-peer';

describe('peer contract: send, ack and message (protocol.md §6, §7)', () => {
  let w: World;
  const count = async (sql: string, params: unknown[]): Promise<number> => (await w.rows<{ n: number }>(sql, params))[0].n;
  const sentBy = (memberId: string): Promise<number> => count('SELECT count(*)::int AS n FROM mesh.message WHERE sender_member_id = $1', [memberId]);
  const root = (p: Peer, i: number): Uint8Array => openSealedRootKey(p.welcome.rootKey.sealed, ident(w.m[i]));
  const mcast = (p: Peer, i: number, to: string, text = 'hi') => {
    const epoch = p.welcome.rootKey.epoch;
    return { clientId: uuid(), to, keyEpoch: epoch, ...sealMulticast(text, w.meshId, to, epoch, root(p, i), ident(w.m[i])) };
  };

  beforeAll(async () => {
    w = await startWorld(10);
  });
  afterEach(() => w.closeAll());
  afterAll(async () => w?.app.close());

  it('§3: an unknown event → unknown_event; a payload that is not an object → malformed, for every client event', async () => {
    const p = await w.up(w.m[9]);
    // Server-to-client names, prototype names and a numeric name are not client events either.
    for (const name of ['frobnicate', 'welcome', 'message', 'constructor', 'hasOwnProperty', '__proto__', 5]) {
      expectAckError(await p.callRaw(name as string, [{}]), 'unknown_event', String(name));
    }
    // Collected, so one run names every event/payload pair that is not refused.
    const wrong: string[] = [];
    for (const event of ['send', 'ack', 'set_status', 'set_summary', 'set_groups', 'list_peers', 'get_root_key', 'leave']) {
      for (const v of nonObjects) {
        const ack = await p.call(event, v.value);
        if (ack?.ok !== false || ack.error?.code !== 'malformed') wrong.push(`${event} with ${v.name} → ${JSON.stringify(ack).slice(0, 80)}`);
      }
    }
    // Events whose payload has required fields, sent with only the callback.
    for (const event of ['send', 'ack', 'set_status', 'set_summary', 'set_groups']) {
      const ack = await p.callRaw(event, [], 3000).catch((e) => `${e.message}; events ${JSON.stringify(p.log.filter((x) => !x.event.startsWith('ack:')).map((x) => x.event))}`);
      if (ack?.ok !== false || ack.error?.code !== 'malformed') wrong.push(`${event} without payload → ${JSON.stringify(ack).slice(0, 80)}`);
    }
    expect(wrong).toEqual([]);
    // Still a member, still connected: no hostile `leave` was taken as a real one.
    expect((await p.call('list_peers', {})).ok).toBe(true);
    expect(await count('SELECT count(*)::int AS n FROM mesh.member WHERE id = $1 AND revoked_at IS NULL', [w.m[9].memberId])).toBe(1);
  });

  it('§7.1 send check 1: each field rule → malformed naming the field; nothing is stored and no token is spent', async () => {
    const p = await w.up(w.m[0]);
    const before = await sentBy(w.m[0].memberId);
    const base = w.direct(w.m[0], w.m[1].keys.publicKey);
    const cases = [...malformedDirectSends, { name: 'ciphertext a binary attachment', field: 'ciphertext', mutate: (q: any) => ({ ...q, ciphertext: Buffer.from(bytes(32)) }) }];
    for (const c of cases) {
      const ack = await p.call('send', c.mutate({ ...base, clientId: uuid() }));
      expectAckError(ack, 'malformed', c.name);
      expect({ c: c.name, named: ack.error.message.includes(c.field) }).toEqual({ c: c.name, named: true });
    }
    const mbase = mcast(p, 0, '*');
    for (const c of malformedMulticastSends) {
      const ack = await p.call('send', c.mutate({ ...mbase, clientId: uuid() }));
      expectAckError(ack, 'malformed', c.name);
      expect({ c: c.name, named: ack.error.message.includes(c.field) }).toEqual({ c: c.name, named: true });
    }
    expect(await sentBy(w.m[0].memberId)).toBe(before);
  });

  it('§7.1 send: size bounds (17 / 97 / MAX accepted, MAX + 1 too_large); malformed beats too_large; too_large beats idempotency', async () => {
    const p = await w.up(w.m[0]);
    const to = w.m[8].keys.publicKey; // never connects: rows just wait
    const ok = async (payload: Record<string, unknown>) => {
      const ack = await p.call('send', payload);
      expect(Object.keys(ack).sort()).toEqual(['duplicate', 'messageId', 'ok', 'recipients', 'seq']);
      expect(ack).toMatchObject({ ok: true, duplicate: false });
      expect(ack.messageId).toMatch(ID);
      expect(Number.isSafeInteger(ack.seq)).toBe(true);
      return ack;
    };
    await ok({ clientId: uuid(), to, nonce: b64(bytes(24)), ciphertext: b64(bytes(17)) });
    await ok({ clientId: uuid(), to: '@nobody', keyEpoch: p.welcome.rootKey.epoch, nonce: b64(bytes(24)), ciphertext: b64(bytes(97)) });
    const exact = await ok({ clientId: uuid(), to, nonce: b64(bytes(24)), ciphertext: b64(bytes(MAX)) });
    expect(exact.recipients).toBe(1);
    expectAckError(await p.call('send', { clientId: uuid(), to, nonce: b64(bytes(24)), ciphertext: b64(bytes(MAX + 1)) }), 'too_large');
    expectAckError(await p.call('send', { clientId: uuid(), to, nonce: b64(bytes(23)), ciphertext: b64(bytes(MAX + 1)) }), 'malformed');
    const first = w.direct(w.m[0], to);
    await ok(first);
    expectAckError(await p.call('send', { ...first, ciphertext: b64(bytes(MAX + 1)) }), 'too_large');
  });

  it('§6 item 11: idempotency hashes to|toSession|priority|keyEpoch|nonce|ciphertext with next as default; it runs before recipient checks', async () => {
    const p = await w.up(w.m[0]);
    const first = w.direct(w.m[0], w.m[8].keys.publicKey);
    const ack = await p.call('send', first);
    const dup = { ok: true, messageId: ack.messageId, seq: ack.seq, recipients: 1, duplicate: true };
    expect(await p.call('send', { ...first, priority: 'next' })).toEqual(dup);
    expect(await p.call('send', { ...first, futureField: 1 })).toEqual(dup);
    expectAckError(await p.call('send', { ...first, priority: 'low' }), 'idempotency_conflict');
    expectAckError(await p.call('send', { ...first, toSession: uuid() }), 'idempotency_conflict');
    // Check 3 precedes check 5: a conflicting repeat to an unknown key is a conflict, not unknown_recipient.
    expectAckError(await p.call('send', { ...first, to: newIdentity().publicKey }), 'idempotency_conflict');
    // Another session of the same member shares the key (sender member, clientId).
    const p2 = await w.up(w.m[0]);
    expect(await p2.call('send', first)).toEqual(dup);
    expect(await w.rows('SELECT count(*)::int AS n FROM mesh.delivery WHERE message_id = $1', [ack.messageId])).toEqual([{ n: 1 }]);
    // The key is per sender member: another member reusing the clientId gets its own message.
    const other = await w.up(w.m[1]);
    const theirs = await other.call('send', { ...w.direct(w.m[1], w.m[8].keys.publicKey), clientId: first['clientId'] });
    expect(theirs).toMatchObject({ ok: true, duplicate: false });
    expect(theirs.messageId).not.toBe(ack.messageId);
  });

  it('C-PROTO-14 and stale epochs: unknown, foreign and removed keys → unknown_recipient; an old epoch → stale_key_epoch with currentEpoch; a repeat is still duplicate', async () => {
    const meshId = await createMesh(w.app, w.owner, 'side');
    const s = await admitMembers(w.app, w.owner, meshId, 4, 'side');
    const a = await connect(w.app.baseUrl, hello(meshId, ident(s[0])));
    try {
      const key1 = openSealedRootKey(a.welcome.rootKey.sealed, ident(s[0]));
      const early = { clientId: uuid(), to: '*', keyEpoch: 1, ...sealMulticast('before', meshId, '*', 1, key1, ident(s[0])) };
      const earlyAck = await a.call('send', early);
      expect(earlyAck).toMatchObject({ ok: true, recipients: 3 });
      expect((await http(w.app.baseUrl, 'DELETE', `/api/meshes/${meshId}/members/${s[3].memberId}`, { token: w.owner.token })).status).toBe(200);
      const rotated = await a.next('root_key_rotated');
      expect(Object.keys(rotated).sort()).toEqual(['epoch', 'sealed']);
      expect(rotated.epoch).toBe(2);
      const key2 = openSealedRootKey(rotated.sealed, ident(s[0]));
      const before = await count('SELECT count(*)::int AS n FROM mesh.message WHERE mesh_id = $1', [meshId]);
      for (const to of [newIdentity().publicKey, w.m[1].keys.publicKey, s[3].keys.publicKey]) {
        expectAckError(await a.call('send', { clientId: uuid(), to, ...sealMulticast('x', meshId, '*', 1, key1, ident(s[0])) }), 'unknown_recipient');
      }
      for (const to of ['*', '@ops']) {
        const ack = await a.call('send', { clientId: uuid(), to, keyEpoch: 1, ...sealMulticast('old', meshId, to, 1, key1, ident(s[0])) });
        expectAckError(ack, 'stale_key_epoch');
        expect(ack.error.details).toEqual({ currentEpoch: 2 });
      }
      // Any integer is a well-formed epoch: one that never existed is stale too, not malformed (§6 check 6).
      for (const keyEpoch of [0, -1, 3]) {
        const ack = await a.call('send', { clientId: uuid(), to: '*', keyEpoch, ...sealMulticast('odd', meshId, '*', keyEpoch, key2, ident(s[0])) });
        expectAckError(ack, 'stale_key_epoch');
        expect(ack.error.details).toEqual({ currentEpoch: 2 });
      }
      expectAckError(await a.call('send', { clientId: uuid(), to: '*', keyEpoch: 1.5, ...sealMulticast('odd', meshId, '*', 1, key2, ident(s[0])) }), 'malformed');
      expect(await count('SELECT count(*)::int AS n FROM mesh.message WHERE mesh_id = $1', [meshId])).toBe(before);
      // Check 3 precedes check 6: the repeat of a message accepted at epoch 1 is still its duplicate.
      expect(await a.call('send', early)).toEqual({ ok: true, messageId: earlyAck.messageId, seq: earlyAck.seq, recipients: 3, duplicate: true });
      // A member admitted at epoch 2 gets no older epoch; a broadcast at epoch 2 reaches it and excludes the removed key.
      const [late] = await admitMembers(w.app, w.owner, meshId, 1, 'late');
      const l = await connect(w.app.baseUrl, hello(meshId, ident(late)));
      try {
        expectAckError(await l.call('get_root_key', { epoch: 1 }), 'not_found');
        expectAckError(await l.call('get_root_key', { epoch: 3 }), 'not_found');
        expectAckError(await l.call('get_root_key', { epoch: 0 }), 'not_found');
        expectAckError(await l.call('get_root_key', { epoch: -5 }), 'not_found');
        const got = await l.call('get_root_key', {});
        expect(Object.keys(got).sort()).toEqual(['epoch', 'ok', 'sealed']);
        expect(openSealedRootKey(got.sealed, ident(late))).toEqual(key2);
        expect(openSealedRootKey((await a.call('get_root_key', { epoch: 1 })).sealed, ident(s[0]))).toEqual(key1);
        expectAckError(await a.call('get_root_key', { epoch: '1' }), 'malformed');
        const now = await a.call('send', { clientId: uuid(), to: '*', keyEpoch: 2, ...sealMulticast('after', meshId, '*', 2, key2, ident(s[0])) });
        expect(now).toMatchObject({ ok: true, recipients: 3 });
        const msg = await l.next('message', (x) => x.id === now.messageId);
        expect(openMulticast(msg, key2)).toBe('after');
        expect(l.of('message').map((x) => x.id)).not.toContain(earlyAck.messageId);
      } finally {
        l.close();
      }
    } finally {
      a.close();
    }
  });

  it('§6 item 2: * reaches every other member, @g its members except the sender member, @unknown nobody; a direct to oneself reaches a sibling session', async () => {
    const [a, b, c] = [w.m[2], w.m[3], w.m[4]];
    const pa = await w.up(a, { fields: { groups: ['ops'] } });
    const pb = await w.up(b, { fields: { groups: ['ops'] } });
    const pc = await w.up(c);
    const set = await pc.call('set_groups', { groups: ['Ops', 'ops', 'db'] });
    expect(set.ok).toBe(true);
    expect([...set.groups].sort()).toEqual(['db', 'ops']);
    const all = await pa.call('send', mcast(pa, 2, '*', 'to all'));
    expect(all).toMatchObject({ ok: true, recipients: w.m.length - 1 });
    const ops = await pa.call('send', mcast(pa, 2, '@ops', 'to ops'));
    expect(ops).toMatchObject({ ok: true, recipients: 2 });
    for (const [p, i] of [[pb, 3], [pc, 4]] as const) {
      const msg = await p.next('message', (x) => x.id === ops.messageId);
      expect(msg).toMatchObject({ to: '@ops', keyEpoch: 1, toSession: null, from: { memberId: a.memberId } });
      expect(openMulticast(msg, root(p, i))).toBe('to ops');
      expect(openMulticast(await p.next('message', (x) => x.id === all.messageId), root(p, i))).toBe('to all');
    }
    const rcpt = await w.rows('SELECT recipient_member_id AS r FROM mesh.delivery WHERE message_id = $1 ORDER BY 1', [ops.messageId]);
    expect(rcpt.map((x) => x.r).sort()).toEqual([b.memberId, c.memberId].sort());
    expect(await pa.call('send', mcast(pa, 2, '@nobody'))).toMatchObject({ ok: true, recipients: 0 });
    // §2.4: sending to one's own key is allowed; the sending session never takes the row, a sibling does.
    const pa2 = await w.up(a);
    const self = await pa.call('send', w.direct(a, a.keys.publicKey, 'note to self'));
    expect(self).toMatchObject({ ok: true, recipients: 1 });
    expect(openDirect(await pa2.next('message', (x) => x.id === self.messageId), ident(a))).toBe('note to self');
    expect(await w.rows('SELECT claimed_by_presence_id AS p FROM mesh.delivery WHERE message_id = $1', [self.messageId])).toEqual([{ p: pa2.welcome.presenceId }]);
    expect(pa.of('message').map((x) => x.id)).not.toContain(self.messageId);
  });

  it('§7.2 message: exact fields, from stamped by the server, nonce and ciphertext echoed byte for byte; ack → {ok, acked, ignored}', async () => {
    const [a, b] = [w.m[5], w.m[6]];
    const pa = await w.up(a, { fields: { displayName: 'alice-web' } });
    const pb = await w.up(b);
    const payload = w.direct(a, b.keys.publicKey, 'exact', { priority: 'now', toSession: pb.sessionId, from: { pubkey: b.keys.publicKey } });
    const ack = await pa.call('send', payload);
    const msg = await pb.next('message', (x) => x.id === ack.messageId);
    expect(Object.keys(msg).sort()).toEqual(MESSAGE_KEYS);
    expect(msg).toEqual({
      id: ack.messageId, seq: ack.seq, meshId: w.meshId, to: b.keys.publicKey, toSession: pb.sessionId, priority: 'now', keyEpoch: null,
      nonce: payload['nonce'], ciphertext: payload['ciphertext'], sentAt: expect.any(String), attempt: 1,
      from: { memberId: a.memberId, pubkey: a.keys.publicKey, displayName: 'alice-web', sessionId: pa.sessionId },
    });
    expect(new Date(msg.sentAt).toISOString()).toBe(msg.sentAt);
    expect(openDirect(msg, ident(b))).toBe('exact');
    expect(await pb.call('ack', { messageIds: [msg.id] })).toEqual({ ok: true, acked: 1, ignored: 0 });
    // §6 item 3: a pin naming no session of the recipient does not strand the row.
    const loose = await pa.call('send', w.direct(a, b.keys.publicKey, 'loose', { toSession: uuid() }));
    expect(openDirect(await pb.next('message', (x) => x.id === loose.messageId), ident(b))).toBe('loose');
  });

  it('security.md §5: events other than send and ack are limited to 600/min per socket → rate_limited with retryAfterMs', async () => {
    const p = await w.up(w.m[8], { fields: { passive: true } });
    const t0 = Date.now();
    let n = 0;
    let limited: any;
    while (!limited && n < 800) {
      const ack = await p.call('list_peers', { limit: 0 });
      n++;
      if (ack.error?.code === 'rate_limited') limited = ack;
      else expectAckError(ack, 'malformed');
    }
    expectAckError(limited, 'rate_limited');
    expect(limited.error.retryAfterMs).toBeGreaterThan(0);
    // The bucket holds 600 and refills 10/s: the first refusal falls between 601 and 601 + the refill so far.
    expect(n).toBeGreaterThan(600);
    expect(n).toBeLessThanOrEqual(601 + Math.ceil(((Date.now() - t0) / 1000) * 10));
  });

  it('§7.1 ack: unknown, repeated and foreign ids are ignored; any session of the member may ack; bad shapes → malformed; passive → forbidden', async () => {
    const [a, b, c] = [w.m[5], w.m[6], w.m[7]];
    const pa = await w.up(a);
    const pb1 = await w.up(b);
    const pb2 = await w.up(b);
    const pc = await w.up(c);
    const ack = await pa.call('send', w.direct(a, b.keys.publicKey, 'ack me', { toSession: pb1.sessionId }));
    const msg = await pb1.next('message', (x) => x.id === ack.messageId);
    const unknown = ['0'.repeat(32), 'Z'.repeat(32)];
    expect(await pb1.call('ack', { messageIds: unknown })).toEqual({ ok: true, acked: 0, ignored: 2 });
    // Another member cannot ack it away.
    expect(await pc.call('ack', { messageIds: [msg.id] })).toEqual({ ok: true, acked: 0, ignored: 1 });
    expect(await pb2.call('ack', { messageIds: [msg.id, unknown[0]] })).toEqual({ ok: true, acked: 1, ignored: 1 });
    expect(await pb1.call('ack', { messageIds: [msg.id] })).toEqual({ ok: true, acked: 0, ignored: 1 });
    const bad: [string, unknown][] = [
      ['messageIds missing', {}],
      ['messageIds empty', { messageIds: [] }],
      ['501 ids', { messageIds: Array.from({ length: 501 }, () => uuid().replace(/-/g, '')) }],
      ['a number in messageIds', { messageIds: [5] }],
      ['messageIds a string', { messageIds: msg.id }],
    ];
    for (const [name, v] of bad) expectAckError(await pb1.call('ack', v), 'malformed', name);
    const passive = await w.up(b, { fields: { passive: true } });
    expectAckError(await passive.call('ack', { messageIds: [msg.id] }), 'forbidden');
  });

  it('§6 items 8–9: working and dnd hold next and low but pass now; on idle the held rows follow in seq order; mixed priorities keep send order', async () => {
    const [a, b] = [w.m[7], w.m[1]];
    const pa = await w.up(a);
    const pb = await w.up(b);
    expect(await pb.call('set_status', { status: 'working' })).toEqual({ ok: true, applied: true, status: 'working', source: 'manual' });
    // Only A's messages count: B may also hold broadcasts from earlier cases.
    const fromA = () => pb.of('message').filter((x) => x.from.memberId === a.memberId);
    const sent: Record<string, any> = {};
    for (const priority of ['next', 'low', 'now']) sent[priority] = await pa.call('send', w.direct(a, b.keys.publicKey, priority, { priority }));
    expect((await pb.next('message', (x) => x.id === sent['now'].messageId)).priority).toBe('now');
    expect((await pb.call('set_status', { status: 'dnd' })).applied).toBe(true);
    const now2 = await pa.call('send', w.direct(a, b.keys.publicKey, 'now2', { priority: 'now' }));
    await pb.next('message', (x) => x.id === now2.messageId);
    expect(fromA().map((x) => x.priority)).toEqual(['now', 'now']);
    await pb.call('set_status', { status: 'idle' });
    await pb.next('message', (x) => x.id === sent['low'].messageId);
    const held = fromA().slice(2);
    expect(held.map((x) => [x.priority, x.seq])).toEqual([['next', sent['next'].seq], ['low', sent['low'].seq]]);
    // Idle: 15 mixed-priority sends without awaiting acks arrive in send order.
    const prios = ['now', 'next', 'low'];
    const acks = await Promise.all(Array.from({ length: 15 }, (_, i) => pa.call('send', w.direct(a, b.keys.publicKey, `m${i}`, { priority: prios[i % 3] }))));
    const seqs = acks.map((x) => x.seq);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    await pb.next('message', (x) => x.id === acks[14].messageId);
    const tail = fromA().slice(4);
    expect(tail.map((x) => openDirect(x, ident(b)))).toEqual(acks.map((_, i) => `m${i}`));
    expect(tail.map((x) => x.priority)).toEqual(acks.map((_, i) => prios[i % 3]));
  });

  it('§3: an event without a callback changes nothing; events of one socket are handled in arrival order', async () => {
    const a = w.m[2];
    const p = await w.up(a);
    const ghost = w.direct(a, w.m[3].keys.publicKey, 'ghost');
    p.socket.emit('send', ghost);
    p.socket.emit('set_summary', { summary: 'ghost' });
    const one = p.call('set_summary', { summary: 'one' });
    const two = p.call('set_summary', { summary: 'two' });
    const list = await p.call('list_peers', {});
    expect([await one, await two]).toEqual([{ ok: true }, { ok: true }]);
    expect(p.log.filter((e) => e.event.startsWith('ack:')).map((e) => e.event)).toEqual(['ack:set_summary', 'ack:set_summary', 'ack:list_peers']);
    expect(list.peers.find((x: any) => x.sessionId === p.sessionId).summary).toBe('two');
    expect(await w.rows('SELECT count(*)::int AS n FROM mesh.message WHERE client_id = $1', [ghost['clientId']])).toEqual([{ n: 0 }]);
  });

  it('§7.2 welcome.queued counts the member’s unacked rows, and a member that was offline gets them all in seq order', async () => {
    const sink = w.m[8]; // only ever a target above, never connected as a full session
    const [{ n }] = await w.rows('SELECT count(*)::int AS n FROM mesh.delivery WHERE recipient_member_id = $1 AND acked_at IS NULL', [sink.memberId]);
    expect(n).toBeGreaterThan(3);
    const p = await w.up(sink);
    expect(p.welcome.queued).toBe(n);
    for (let i = 0; i < 250 && p.of('message').length < n; i++) await new Promise((r) => setTimeout(r, 20));
    const seqs = p.of('message').map((x) => x.seq);
    expect(seqs).toHaveLength(n);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
  });

  it('§3: a frame over maxHttpBufferSize closes the connection, stores nothing, and the session reattaches', async () => {
    const a = w.m[4];
    const p = await w.up(a);
    const before = await sentBy(a.memberId);
    const gone = new Promise<string>((r) => p.socket.once('disconnect', (reason) => r(reason)));
    p.socket.emit('send', { ...w.direct(a, w.m[3].keys.publicKey), ciphertext: 'A'.repeat(2 * MAX + 65_536 + 4) }, () => undefined);
    expect(await gone).not.toBe('io client disconnect');
    expect(await sentBy(a.memberId)).toBe(before);
    const again = await w.up(a, { sessionId: p.sessionId });
    expect(again.welcome).toMatchObject({ reattached: true, presenceId: p.welcome.presenceId });
  });
});
