/**
 * Black-box conformance of sessions and presence over /peer (protocol.md §5, §7.1 status/summary/groups/list_peers,
 * §7.2 peer events, §8), from an independent client: who may touch which session, what peers hear about each other.
 */
import { PEER_KEYS, expectAckError, startWorld, type World } from './contract-fixture';
import { uuid, type Peer } from './contract-peer';

describe('peer contract: sessions, status and peers (protocol.md §5, §7, §8)', () => {
  let w: World;
  const mine = async (p: Peer, sessionId = p.sessionId): Promise<any> => (await p.call('list_peers', {})).peers.find((x: any) => x.sessionId === sessionId);
  /** Round trip on `p`: anything the server emitted to `p` before this call has arrived when it resolves. */
  const sync = async (p: Peer): Promise<void> => void (await p.call('list_peers', { limit: 1 }));

  beforeAll(async () => {
    w = await startWorld(8);
  });
  afterEach(() => w.closeAll());
  afterAll(async () => w?.app.close());

  it('§7.1 set_status: bad values → malformed; another member’s, an ended or an unknown session → forbidden and nothing changes; a sibling is allowed', async () => {
    const [a, b] = [w.m[0], w.m[1]];
    const pa = await w.up(a);
    const pb = await w.up(b);
    const bad: [string, unknown][] = [
      ['status missing', {}],
      ['status unknown', { status: 'busy' }],
      ['status uppercase', { status: 'IDLE' }],
      ['status a number', { status: 1 }],
      ['sessionId not a UUID', { status: 'idle', sessionId: 'abc' }],
      ['sessionId uppercase', { status: 'idle', sessionId: pa.sessionId.toUpperCase() }],
    ];
    for (const [name, v] of bad) expectAckError(await pa.call('set_status', v), 'malformed', name);
    const ended = await w.up(a);
    ended.close();
    await waitGone(ended);
    for (const sessionId of [pb.sessionId, ended.sessionId, uuid()]) {
      expectAckError(await pa.call('set_status', { status: 'dnd', sessionId }), 'forbidden', sessionId);
      expectAckError(await pa.call('set_summary', { summary: 'hijack', sessionId }), 'forbidden', sessionId);
    }
    expect(await mine(pa, pb.sessionId)).toMatchObject({ status: 'idle', statusSource: 'inferred', summary: '' });
    const sibling = await w.up(a);
    expect(await pa.call('set_status', { status: 'working', sessionId: sibling.sessionId })).toEqual({ ok: true, applied: true, status: 'working', source: 'manual' });
    expect(await mine(pa, sibling.sessionId)).toMatchObject({ status: 'working', statusSource: 'manual' });
    expect(await mine(pa)).toMatchObject({ status: 'idle' });
    // A sibling in grace (transport dropped, not ended) is still a non-ended session of the member.
    sibling.dropTransport();
    expect((await pa.call('set_status', { status: 'idle', sessionId: sibling.sessionId })).ok).toBe(true);
  });

  it('§7.1 set_summary: trimmed, at most 280 code points (not UTF-16 units), "" clears; bad values → malformed; peer_status has the §7.2 fields', async () => {
    const [a, b] = [w.m[2], w.m[3]];
    const pa = await w.up(a);
    const pb = await w.up(b);
    const bad: [string, unknown][] = [
      ['summary missing', {}],
      ['summary a number', { summary: 5 }],
      ['281 code points', { summary: 'x'.repeat(281) }],
      ['a control char', { summary: 'line\u0000' }],
      ['a lone surrogate', { summary: 'half \ud83d' }],
    ];
    for (const [name, v] of bad) expectAckError(await pa.call('set_summary', v), 'malformed', name);
    const emoji = '😀'.repeat(280); // 560 UTF-16 units
    expect(await pa.call('set_summary', { summary: emoji })).toEqual({ ok: true });
    const st = await pb.next('peer_status', (x) => x.summary === emoji);
    expect(Object.keys(st).sort()).toEqual(['displayName', 'groups', 'memberId', 'sessionId', 'status', 'statusSource', 'summary']);
    expect(st).toMatchObject({ memberId: a.memberId, sessionId: pa.sessionId, status: 'idle', statusSource: 'inferred' });
    expect(await pa.call('set_summary', { summary: '  Refactoring billing  ' })).toEqual({ ok: true });
    expect((await mine(pa)).summary).toBe('Refactoring billing');
    expect(await pa.call('set_summary', { summary: '' })).toEqual({ ok: true });
    expect((await mine(pa)).summary).toBe('');
  });

  it('§8: peer_status goes out when the status or summary changes, not for a repeat of the same value', async () => {
    const [a, o] = [w.m[6], w.m[7]];
    const obs = await w.up(o);
    const pa = await w.up(a);
    await obs.next('peer_joined', (x) => x.sessionId === pa.sessionId);
    for (const [event, payload] of [
      ['set_status', { status: 'working' }],
      ['set_status', { status: 'working' }],
      ['set_summary', { summary: 'x' }],
      ['set_summary', { summary: ' x ' }],
      ['set_summary', { summary: 'y' }],
    ] as const) expect((await pa.call(event, payload)).ok).toBe(true);
    // Emissions to obs keep their order: once 'y' is in, any event for the repeats would be too.
    await obs.next('peer_status', (x) => x.sessionId === pa.sessionId && x.summary === 'y');
    const seen = obs.of('peer_status').filter((x) => x.sessionId === pa.sessionId).map((x) => [x.status, x.summary]);
    expect(seen).toEqual([['working', ''], ['working', 'x'], ['working', 'y']]);
    await pa.call('set_status', { status: 'idle' });
  });

  it('§7.1 set_groups: lowercased, deduplicated, at most 32, pattern enforced; a peer_status per session of the member', async () => {
    const [a, b] = [w.m[4], w.m[5]];
    const pa1 = await w.up(a);
    const pa2 = await w.up(a);
    const pb = await w.up(b);
    const bad: [string, unknown][] = [
      ['groups missing', {}],
      ['groups a string', { groups: 'ops' }],
      ['33 groups', { groups: Array.from({ length: 33 }, (_, i) => `g${i}`) }],
      ['leading dash', { groups: ['-ops'] }],
      ['33-char name', { groups: ['g'.repeat(33)] }],
      ['a non-string', { groups: [7] }],
      ['the @ prefix', { groups: ['@ops'] }],
    ];
    for (const [name, v] of bad) expectAckError(await pa1.call('set_groups', v), 'malformed', name);
    const ack = await pa1.call('set_groups', { groups: ['Backend', 'backend', 'on_call-1'] });
    expect(Object.keys(ack).sort()).toEqual(['groups', 'ok']);
    expect([...ack.groups].sort()).toEqual(['backend', 'on_call-1']);
    for (const s of [pa1, pa2]) await pb.next('peer_status', (x) => x.sessionId === s.sessionId && x.groups.includes('backend'));
    expect((await mine(pa1, pa2.sessionId)).groups.sort()).toEqual(['backend', 'on_call-1']);
    expect(await pa1.call('set_groups', { groups: [] })).toEqual({ ok: true, groups: [] });
    // §4: handshake `groups` replaces the member's groups; leaving it out keeps them.
    const pa3 = await w.up(a, { fields: { groups: ['db'] } });
    expect((await mine(pa1)).groups).toEqual(['db']);
    const pa4 = await w.up(a);
    expect((await mine(pa4)).groups).toEqual(['db']);
    expect(pa3.welcome.reattached).toBe(false);
  });

  it('§7.1 list_peers: bad paging → malformed; Peer objects with exact fields in connectedAt order; cursor paging; includeOffline; passive never listed', async () => {
    const [a, b] = [w.m[6], w.m[7]];
    const pa = await w.up(a, { fields: { cwd: '/srv/api', displayName: 'alice-web' } });
    const passive = await w.up(b, { fields: { passive: true } });
    const bad: [string, unknown][] = [
      ['limit 0', { limit: 0 }],
      ['limit 1001', { limit: 1001 }],
      ['limit fractional', { limit: 1.5 }],
      ['limit a numeric string', { limit: '5' }],
      ['includeOffline a string', { includeOffline: 'yes' }],
      ['cursor a number', { cursor: 5 }],
    ];
    for (const [name, v] of bad) expectAckError(await pa.call('list_peers', v), 'malformed', name);
    const all = await pa.call('list_peers', {});
    expect(Object.keys(all).sort()).toEqual(['nextCursor', 'ok', 'peers']);
    expect(all.nextCursor).toBeNull();
    for (const p of all.peers) expect(Object.keys(p).sort()).toEqual(PEER_KEYS);
    const times = all.peers.map((p: any) => Date.parse(p.connectedAt));
    expect([...times].sort((x, y) => x - y)).toEqual(times);
    expect(all.peers.map((p: any) => p.memberId)).not.toContain(b.memberId);
    const me = all.peers.find((p: any) => p.sessionId === pa.sessionId);
    expect(me).toMatchObject({ memberId: a.memberId, pubkey: a.keys.publicKey, displayName: 'alice-web', role: 'member', cwd: '/srv/api', connected: true, self: true });
    // Paging one at a time walks the same list.
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await pa.call('list_peers', cursor ? { limit: 1, cursor } : { limit: 1 });
      expect(page.peers.length).toBe(1);
      walked.push(page.peers[0].sessionId);
      cursor = page.nextCursor;
    } while (cursor);
    expect(walked).toEqual(all.peers.map((p: any) => p.sessionId));
    const off = await passive.call('list_peers', { includeOffline: true });
    // Presences (grace included) first, then every member with none (sessionId null), each once.
    const isPresence = off.peers.map((p: any) => p.sessionId !== null);
    expect(isPresence).toEqual([...isPresence].sort((x: boolean, y: boolean) => Number(y) - Number(x)));
    const withPresence = new Set(off.peers.filter((p: any) => p.sessionId !== null).map((p: any) => p.memberId));
    const offline = off.peers.filter((p: any) => p.sessionId === null).map((p: any) => p.memberId);
    expect(offline.filter((id: string) => withPresence.has(id))).toEqual([]);
    expect(new Set(offline).size).toBe(offline.length);
    // §5.4: a member whose only connection is passive has its direct messages wait; the passive socket never takes them.
    const sent = await pa.call('send', w.direct(a, b.keys.publicKey, 'for b'));
    await sync(passive);
    expect(passive.of('message')).toEqual([]);
    expect(await w.rows('SELECT attempts, claimed_by_presence_id AS c FROM mesh.delivery WHERE message_id = $1', [sent.messageId])).toEqual([{ attempts: 0, c: null }]);
    const bOff = off.peers.find((p: any) => p.memberId === b.memberId);
    expect(bOff).toEqual({
      memberId: b.memberId, pubkey: b.keys.publicKey, displayName: expect.any(String), role: 'member', sessionId: null, status: null, statusSource: null,
      summary: '', groups: expect.any(Array), cwd: null, connected: false, connectedAt: null, self: true,
    });
  });

  it('§5.3–5.4: peer_joined/peer_left have the §7.2 shapes; a member’s own sessions and passive connections hear nothing about each other', async () => {
    const [o, a, c] = [w.m[0], w.m[1], w.m[2]];
    const obs = await w.up(o);
    const passive = await w.up(o, { fields: { passive: true } });
    const a1 = await w.up(a);
    const joined = await obs.next('peer_joined', (x) => x.sessionId === a1.sessionId);
    expect(Object.keys(joined).sort()).toEqual(PEER_KEYS);
    expect(joined).toMatchObject({ memberId: a.memberId, pubkey: a.keys.publicKey, connected: true, self: false, status: 'idle', statusSource: 'inferred' });
    const a2 = await w.up(a);
    await obs.next('peer_joined', (x) => x.sessionId === a2.sessionId);
    // c's arrival is emitted after a2's: once a1 hears about c, it would already have heard about a2.
    const c1 = await w.up(c);
    await a1.next('peer_joined', (x) => x.sessionId === c1.sessionId);
    expect(a1.of('peer_joined').filter((x) => x.memberId === a.memberId)).toEqual([]);
    a2.close();
    const left = await obs.next('peer_left', (x) => x.sessionId === a2.sessionId);
    expect(left).toEqual({ memberId: a.memberId, pubkey: a.keys.publicKey, displayName: expect.any(String), sessionId: a2.sessionId, reason: 'closed' });
    c1.close();
    await a1.next('peer_left', (x) => x.sessionId === c1.sessionId);
    expect(a1.of('peer_left').filter((x) => x.memberId === a.memberId)).toEqual([]);
    await sync(passive);
    expect(passive.log.filter((e) => e.event.startsWith('peer_'))).toEqual([]);
    expect(passive.welcome).toMatchObject({ presenceId: null, hookToken: null });
  });

  it('§5.4: a passive connection must name a live session of its member for set_status/set_summary, and cannot ack', async () => {
    const [a, b] = [w.m[3], w.m[4]];
    const live = await w.up(a);
    const other = await w.up(b);
    const passive = await w.up(a, { fields: { passive: true } });
    expectAckError(await passive.call('set_status', { status: 'dnd' }), 'forbidden');
    expectAckError(await passive.call('set_summary', { summary: 'x' }), 'forbidden');
    expectAckError(await passive.call('set_status', { status: 'dnd', sessionId: other.sessionId }), 'forbidden');
    expectAckError(await passive.call('set_status', { status: 'dnd', sessionId: passive.sessionId }), 'forbidden');
    expect(await passive.call('set_status', { status: 'dnd', sessionId: live.sessionId })).toEqual({ ok: true, applied: true, status: 'dnd', source: 'manual' });
    expect(await passive.call('set_summary', { summary: 'from the CLI', sessionId: live.sessionId })).toEqual({ ok: true });
    expect(await mine(live)).toMatchObject({ status: 'dnd', summary: 'from the CLI' });
    expect(await mine(other)).toMatchObject({ status: 'idle', summary: '' });
    expectAckError(await passive.call('ack', { messageIds: ['0'.repeat(32)] }), 'forbidden');
    await live.call('set_status', { status: 'idle' });
  });

  it('§5.1: replace sends session_replaced {sessionId, replacedAt} then disconnects; reattach after a drop keeps presence, token, status and summary', async () => {
    const a = w.m[5];
    const p1 = await w.up(a);
    await p1.call('set_status', { status: 'working' });
    await p1.call('set_summary', { summary: 'kept' });
    const gone = new Promise<void>((r) => p1.socket.once('disconnect', () => r()));
    const p2 = await w.up(a, { sessionId: p1.sessionId });
    const replaced = await p1.next('session_replaced');
    expect(Object.keys(replaced).sort()).toEqual(['replacedAt', 'sessionId']);
    expect(replaced.sessionId).toBe(p1.sessionId);
    expect(new Date(replaced.replacedAt).toISOString()).toBe(replaced.replacedAt);
    await gone;
    expect(p2.welcome).toMatchObject({ reattached: true, presenceId: p1.welcome.presenceId, hookToken: p1.welcome.hookToken });
    p2.dropTransport();
    const p3 = await w.up(a, { sessionId: p1.sessionId });
    expect(p3.welcome).toMatchObject({ reattached: true, presenceId: p1.welcome.presenceId, hookToken: p1.welcome.hookToken });
    expect(await mine(p3)).toMatchObject({ status: 'working', statusSource: 'manual', summary: 'kept' });
    const live = await w.rows('SELECT count(*)::int AS n FROM mesh.presence WHERE member_id = $1 AND session_id = $2 AND ended_at IS NULL', [a.memberId, p1.sessionId]);
    expect(live).toEqual([{ n: 1 }]);
  });

  /** Waits until the server has ended the presence of a deliberately closed socket (§5.2: at once, but asynchronously). */
  async function waitGone(p: Peer): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const r = await w.rows('SELECT ended_at FROM mesh.presence WHERE id = $1', [p.welcome.presenceId]);
      if (r[0]?.ended_at) return;
      await new Promise((res) => setTimeout(res, 20));
    }
    throw new Error('presence did not end');
  }
});
