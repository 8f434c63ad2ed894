/**
 * Two real nodes with Redis behind the documented HAProxy config (operations.md §7, issue 8 "cross-node
 * correctness"): peers on different nodes behave as peers on one node.
 */
import { io, type Socket } from 'socket.io-client';
import { ALL_MIGRATIONS } from '@claudemesh/database';
import { buildHelloAuth } from '@claudemesh/peer-sdk';
import { cryptoReady, generateUuid } from '@claudemesh/shared/crypto';
import { Cluster, fetchJson, leaderGauges, readiness, sleep, startCluster, waitFor } from './support/cluster';
import { Api, createAdmin, createMesh, TestMesh } from './support/mesh';
import { closeAll, rawPeer, RawPeer, TrackedPeer } from './support/peers';
import { toolsAvailable } from '@claudemesh/database';

jest.setTimeout(180_000);

function uiSocket(url: string, opts: { token?: string; cookie?: string; origin?: string }): Promise<Socket> {
  const socket = io(`${url}/ui`, {
    path: '/socket.io',
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...(opts.token ? { auth: { token: opts.token } } : {}),
    extraHeaders: { ...(opts.cookie ? { cookie: opts.cookie } : {}), ...(opts.origin ? { origin: opts.origin } : {}) },
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (e: Error & { data?: unknown }) => {
      socket.close();
      reject(Object.assign(new Error(`ui connect_error ${JSON.stringify(e.data ?? e.message)}`), { data: e.data }));
    });
  });
}

(toolsAvailable('multi-node cluster e2e', ['redis-server', 'haproxy']) ? describe : describe.skip)('multi-node: two nodes, Redis, HAProxy', () => {
  let cluster: Cluster;
  let admin: Api;
  let mesh: TestMesh;
  const peers: TrackedPeer[] = [];
  const raws: RawPeer[] = [];
  let n1: string;
  let n2: string;

  const peer = (i: number, url: string | (() => string), opts: ConstructorParameters<typeof TrackedPeer>[3] = {}) => {
    const p = new TrackedPeer(mesh.members[i], mesh.meshId, url, opts);
    peers.push(p);
    return p;
  };
  const nodeOfSession = async (sessionId: string) =>
    (await cluster.sql<{ node_id: string }>(`SELECT node_id FROM mesh.presence WHERE session_id = $1 AND ended_at IS NULL`, [sessionId]))[0]
      ?.node_id;

  beforeAll(async () => {
    await cryptoReady();
    cluster = await startCluster({ nodes: 2 });
    n1 = cluster.node(0).url;
    n2 = cluster.node(1).url;
    admin = await createAdmin(cluster.publicUrl, cluster.setupTokens());
    mesh = await createMesh(admin, 15);
  });

  afterAll(async () => {
    await closeAll(peers);
    for (const r of raws) r.socket.close();
    await cluster?.stop();
  });

  it('C-DATA-14: two nodes started at once on an empty database both come up ready; the migrations ran once', async () => {
    for (const n of cluster.nodes) {
      const r = await readiness(n.url);
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ status: 'ready', db: 'up', migrations: 'current', redis: 'up' });
    }
    const rows = await cluster.sql<{ name: string }>('SELECT name FROM mesh.migrations ORDER BY id');
    expect(rows.map((r) => r.name)).toEqual(ALL_MIGRATIONS.map((m) => new m().name));
    const registered = await cluster.sql<{ id: string }>('SELECT id FROM mesh.server_node WHERE stopped_at IS NULL ORDER BY started_at');
    expect(registered.map((r) => r.id).sort()).toEqual(cluster.nodes.map((n) => n.nodeId).sort());
  });

  it('C-PROTO-30: direct, broadcast and group messages between nodes are delivered; peer_joined crosses nodes', async () => {
    const a = peer(0, n1);
    await a.connect();
    const b = peer(1, n2);
    const c = peer(2, n2, { groups: ['ops'] });
    await Promise.all([b.connect(), c.connect()]);
    expect(await nodeOfSession(a.sessionId)).toBe(cluster.node(0).nodeId);
    expect(await nodeOfSession(b.sessionId)).toBe(cluster.node(1).nodeId);
    await a.until('peer_joined of b and c (from node 2)', () =>
      [b, c].every((x) => a.joined.some((j) => j.peer.sessionId === x.sessionId)),
    );
    // b and c connect concurrently on node 2: b learns of c either in its welcome list or through peer_joined.
    await b.until('c in welcome or peer_joined', () =>
      b.joined.some((j) => j.peer.sessionId === c.sessionId) || b.welcomes.some((w) => w.peers.some((p) => p.sessionId === c.sessionId)),
    );
    expect(b.joined.some((j) => j.peer.memberId === b.member.memberId)).toBe(false);

    const direct = await a.client.send(b.member.pubkey, 'a→b across nodes');
    expect(direct.recipients).toBe(1);
    await b.until('direct message', () => b.textsReceived().includes('a→b across nodes'), 3000);

    const bc = await b.client.send('*', 'broadcast from node 2');
    expect(bc.recipients).toBe(mesh.members.length - 1);
    await a.until('broadcast on node 1', () => a.textsReceived().includes('broadcast from node 2'), 3000);
    await c.until('broadcast on node 2', () => c.textsReceived().includes('broadcast from node 2'), 3000);

    const grp = await a.client.send('@ops', 'to the ops group');
    expect(grp.recipients).toBe(1);
    await c.until('group message', () => c.textsReceived().includes('to the ops group'), 3000);
    await sleep(300);
    expect(b.textsReceived()).not.toContain('to the ops group');
    expect(b.textsReceived()).not.toContain('broadcast from node 2');
    expect(a.textsReceived()).not.toContain('to the ops group');
  });

  it('priority gating and peer_status across nodes: a held next is released within 1 s when the receiver turns idle', async () => {
    const a = peer(3, n1);
    const b = peer(4, n2);
    await Promise.all([a.connect(), b.connect()]);
    await b.client.setStatus('working');
    await a.until('peer_status working from node 2', () =>
      a.statuses.some((s) => s.ev.sessionId === b.sessionId && s.ev.status === 'working'),
    );
    await b.client.setSummary('gating test');
    await a.until('peer_status summary', () => a.statuses.some((s) => s.ev.sessionId === b.sessionId && s.ev.summary === 'gating test'));
    await a.client.send(b.member.pubkey, 'held next', { priority: 'next' });
    await a.client.send(b.member.pubkey, 'urgent now', { priority: 'now' });
    await b.until('now delivered while working', () => b.textsReceived().includes('urgent now'), 3000);
    await sleep(700);
    expect(b.textsReceived()).not.toContain('held next');
    const t0 = Date.now();
    await b.client.setStatus('idle');
    await b.until('held next after idle', () => b.textsReceived().includes('held next'), 3000);
    expect(Date.now() - t0).toBeLessThanOrEqual(1000);
  });

  it('C-PROTO-6: the same auth object used on node 1 and then on node 2 → replay', async () => {
    const m = mesh.members[5];
    const auth = buildHelloAuth(mesh.meshId, { pubkey: m.pubkey, secretKey: m.secretKey }, generateUuid(), {});
    const first = await rawPeer(n1, mesh.meshId, m, auth.sessionId, auth as unknown as Record<string, unknown>);
    raws.push(first);
    const second = rawPeer(n2, mesh.meshId, m, auth.sessionId, auth as unknown as Record<string, unknown>);
    await expect(second).rejects.toMatchObject({ data: { code: 'replay' } });
    first.socket.close();
  });

  it('C-PROTO-9 across nodes: a second connect of the same session on node 2 replaces the one on node 1; others see nothing', async () => {
    const watcher = peer(6, n1);
    await watcher.connect();
    const m = mesh.members[7];
    const sessionId = generateUuid();
    const old = await rawPeer(n1, mesh.meshId, m, sessionId);
    raws.push(old);
    await watcher.until('peer_joined', () => watcher.joined.some((j) => j.peer.sessionId === sessionId));
    const joinedBefore = watcher.joined.length;
    const fresh = await rawPeer(n2, mesh.meshId, m, sessionId);
    raws.push(fresh);
    expect(fresh.welcome.reattached).toBe(true);
    expect(fresh.welcome.presenceId).toBe(old.welcome.presenceId);
    await waitFor('old socket disconnected', async () => old.disconnectedAt !== null, 3000);
    expect(old.events.some((e) => e.event === 'session_replaced')).toBe(true);
    expect(old.disconnectReason).toBe('io server disconnect');
    await sleep(500);
    expect(watcher.joined.length).toBe(joinedBefore);
    expect(watcher.left.filter((l) => l.ev.sessionId === sessionId)).toEqual([]);
    expect(await nodeOfSession(sessionId)).toBe(cluster.node(1).nodeId);
    const rows = await cluster.sql(`SELECT id FROM mesh.presence WHERE session_id = $1 AND ended_at IS NULL`, [sessionId]);
    expect(rows).toHaveLength(1);
  });

  it('lease grace across nodes: a transport drop on node 1 and a reconnect to node 2 reattach with no peer_left; queued messages arrive at once', async () => {
    const watcher = peer(8, n2);
    await watcher.connect();
    let target = n1;
    const mover = peer(9, () => target);
    const w1 = await mover.connect();
    await watcher.until('peer_joined mover', () => watcher.joined.some((j) => j.peer.sessionId === mover.sessionId));
    // Cut the transport (not a namespace disconnect): the server sees "transport close" and starts the grace.
    target = n2;
    (mover.client as unknown as { socket: Socket }).socket.io.engine.close();
    await waitFor('presence in grace', async () => {
      const r = await cluster.sql<{ disconnected_at: Date | null }>(`SELECT disconnected_at FROM mesh.presence WHERE session_id = $1`, [
        mover.sessionId,
      ]);
      return r[0]?.disconnected_at ? true : mover.welcomes.length > 1;
    }, 5000, 20);
    await watcher.client.send(mover.member.pubkey, 'sent during the drop');
    await mover.until('reattached on node 2', () => mover.welcomes.length === 2, 15_000);
    const w2 = mover.welcomes[1];
    expect(w2.reattached).toBe(true);
    expect(w2.presenceId).toBe(w1.presenceId);
    expect(await nodeOfSession(mover.sessionId)).toBe(cluster.node(1).nodeId);
    await mover.until('queued message', () => mover.textsReceived().includes('sent during the drop'), 2000);
    await sleep(300);
    expect(watcher.left.filter((l) => l.ev.sessionId === mover.sessionId)).toEqual([]);
  });

  it('C-API-14: a /ui subscriber on node 2 sees presence of a peer connecting to node 1 within 2 s; non-member → not_found; foreign Origin → refused', async () => {
    const ui = await uiSocket(n2, { token: mesh.token });
    const seen: { kind: string; sessionId?: string; at: number }[] = [];
    ui.on('presence', (ev: { kind: string; peer: { sessionId?: string } }) => seen.push({ kind: ev.kind, sessionId: ev.peer.sessionId, at: Date.now() }));
    const sub = await ui.timeout(5000).emitWithAck('subscribe', { meshId: mesh.meshId });
    expect(sub).toEqual({ ok: true });
    const p = peer(10, n1);
    const t0 = Date.now();
    await p.connect();
    await waitFor('ui presence joined', async () => seen.find((s) => s.kind === 'joined' && s.sessionId === p.sessionId), 2000, 20);
    expect(seen.find((s) => s.sessionId === p.sessionId)!.at - t0).toBeLessThanOrEqual(2000);
    await p.close();
    await waitFor('ui presence left', async () => seen.find((s) => s.kind === 'left' && s.sessionId === p.sessionId), 2000, 20);
    ui.close();

    // A second account that is not a member of the mesh.
    await admin.ok('POST', '/api/admin/accounts', { email: 'outsider@example.com', displayName: 'Outsider', password: 'outsider-password-1' });
    const outsider = new Api(cluster.publicUrl);
    await outsider.ok('POST', '/api/auth/login', { email: 'outsider@example.com', password: 'outsider-password-1' });
    const outsiderPat = await outsider.ok<{ token: string }>('POST', '/api/tokens', { name: 'ui', expiresInDays: 1 });
    const ui2 = await uiSocket(n1, { token: outsiderPat.token });
    expect(await ui2.timeout(5000).emitWithAck('subscribe', { meshId: mesh.meshId })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    ui2.close();

    // A cookie upgrade: accepted from PUBLIC_URL's origin (the load balancer), refused from a foreign one, on either node.
    const login = await fetch(`${cluster.publicUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@example.com', password: 'multinode-password-1' }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const good = await uiSocket(n2, { cookie, origin: cluster.publicUrl });
    good.close();
    await expect(uiSocket(n1, { cookie, origin: 'http://evil.example' })).rejects.toMatchObject({ data: { code: 'csrf_failed' } });
  });

  it('C-PROTO-29: removing a member sends terminated and disconnects its sockets on both nodes within 1 s; others get peer_left', async () => {
    const watcher = peer(11, n1);
    await watcher.connect();
    const m = mesh.members[2]; // c from C-PROTO-30 (still connected on node 2) plus two raw sessions
    const s1 = await rawPeer(n1, mesh.meshId, m, generateUuid());
    const s2 = await rawPeer(n2, mesh.meshId, m, generateUuid());
    raws.push(s1, s2);
    const t0 = Date.now();
    const res = await admin.call('DELETE', `/api/meshes/${mesh.meshId}/members/${m.memberId}`);
    expect(res.status).toBe(200);
    await waitFor('both sockets disconnected', async () => s1.disconnectedAt !== null && s2.disconnectedAt !== null, 3000, 10);
    for (const s of [s1, s2]) {
      const term = s.events.find((e) => e.event === 'terminated');
      expect(term?.payload).toMatchObject({ reason: 'removed' });
      expect(term!.at - t0).toBeLessThanOrEqual(1000);
      expect(s.disconnectedAt! - t0).toBeLessThanOrEqual(1000);
      expect(s.disconnectReason).toBe('io server disconnect');
    }
    await watcher.until('peer_left for both sessions', () =>
      [s1, s2].every((s) => watcher.left.some((l) => l.ev.sessionId === s.welcome.sessionId && l.ev.reason === 'removed')),
    3000);
  });

  it('mesh archival disconnects the sessions on every node within 1 s', async () => {
    const other = await createMesh(admin, 2, 'to-archive');
    const s1 = await rawPeer(n1, other.meshId, other.members[0], generateUuid());
    const s2 = await rawPeer(n2, other.meshId, other.members[1], generateUuid());
    raws.push(s1, s2);
    const t0 = Date.now();
    expect((await admin.call('POST', `/api/meshes/${other.meshId}/archive`)).status).toBe(200);
    await waitFor('both sockets disconnected', async () => s1.disconnectedAt !== null && s2.disconnectedAt !== null, 3000, 10);
    for (const s of [s1, s2]) {
      expect(s.events.find((e) => e.event === 'terminated')?.payload).toMatchObject({ reason: 'mesh_archived' });
      expect(s.disconnectedAt! - t0).toBeLessThanOrEqual(1000);
    }
  });

  it('C-OPS-9: behind the round-robin proxy, C-PROTO-30 and C-API-14 pass and each leader task runs on exactly one node', async () => {
    const lb = cluster.publicUrl;
    const ui = await uiSocket(lb, { token: mesh.token });
    const uiSeen: string[] = [];
    ui.on('presence', (ev: { kind: string; peer: { sessionId?: string } }) => ev.kind === 'joined' && uiSeen.push(ev.peer.sessionId ?? ''));
    expect(await ui.timeout(5000).emitWithAck('subscribe', { meshId: mesh.meshId })).toEqual({ ok: true });
    // Round robin: consecutive connections through the proxy land on alternating nodes.
    const viaLb = [peer(12, lb), peer(13, lb), peer(14, lb)];
    for (const p of viaLb) await p.connect();
    const nodesOf = await Promise.all(viaLb.map((p) => nodeOfSession(p.sessionId)));
    expect(new Set(nodesOf).size).toBe(2);
    const [x, y] = [0, nodesOf.findIndex((n) => n !== nodesOf[0])].map((i) => viaLb[i]);
    await x.until('peer_joined across nodes via the proxy', () => x.joined.some((j) => j.peer.sessionId === y.sessionId), 3000);
    await x.client.send(y.member.pubkey, 'via the proxy');
    await y.until('direct via the proxy', () => y.textsReceived().includes('via the proxy'), 3000);
    await y.client.send('*', 'broadcast via the proxy');
    await x.until('broadcast via the proxy', () => x.textsReceived().includes('broadcast via the proxy'), 3000);
    await waitFor('ui saw all joins', async () => viaLb.every((p) => uiSeen.includes(p.sessionId)), 2000, 20);
    ui.close();

    // claudemesh_leader summed over the nodes is ≤ 1 for every task at every sample, and some node leads each task.
    const tasks = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const gauges = await Promise.all(cluster.nodes.map((n) => leaderGauges(n.url)));
      for (const g of gauges) for (const t of Object.keys(g)) tasks.add(t);
      for (const t of tasks) expect(gauges.reduce((s, g) => s + (g[t] ?? 0), 0)).toBeLessThanOrEqual(1);
      await sleep(300);
    }
    expect([...tasks]).toEqual(expect.arrayContaining(['presence-evict', 'status-ttl', 'node-reaper', 'audit-messages', 'mail-sender']));
    const final = await Promise.all(cluster.nodes.map((n) => leaderGauges(n.url)));
    for (const t of tasks) expect(final.reduce((s, g) => s + (g[t] ?? 0), 0)).toBe(1);
    const health = await Promise.all(cluster.nodes.map((n) => fetchJson<{ nodeId: string }>(`${n.url}/health`)));
    expect(new Set(health.map((h) => h.json.nodeId)).size).toBe(2);
  });
});
