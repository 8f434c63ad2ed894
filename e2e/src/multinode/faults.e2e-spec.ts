/**
 * Fault tests on three real nodes with Redis behind HAProxy (issue 8 "Faults", operations.md §7, §8):
 * kill -9 mid-stream, a leader dying, SIGTERM, Redis down. Peers are real SDK clients that de-duplicate by id.
 *
 * Size: the 300 peers × 30 000 messages by default (about 70 s on the 2-core machine); MULTINODE_QUICK=1 runs
 * 60 × 3 000 for quick local iterations; MULTINODE_PEERS / MULTINODE_MESSAGES override both.
 */
import { cryptoReady } from '@claudemesh/shared/crypto';
import { startServerProcess } from '../support/server-process';
import { Cluster, leaderGauges, readiness, sleep, startCluster, waitFor } from './support/cluster';
import { Api, createAdmin, createMesh, TestMesh } from './support/mesh';
import { closeAll, connectAll, TrackedPeer } from './support/peers';
import { runStream, settle, StreamFigures } from './support/stream';
import { toolsAvailable } from '@claudemesh/database';

const QUICK = process.env.MULTINODE_QUICK === '1';
const PEERS = Number(process.env.MULTINODE_PEERS ?? (QUICK ? 60 : 300));
const MESSAGES = Number(process.env.MULTINODE_MESSAGES ?? (QUICK ? 3_000 : 30_000));

jest.setTimeout(Math.max(300_000, MESSAGES * 40));

function report(title: string, f: StreamFigures & Record<string, unknown>): void {
  // The figures the issue asks to print.
  process.stdout.write(`\n[multinode] ${title}\n${JSON.stringify(f, null, 2)}\n`);
}

(toolsAvailable('multi-node faults e2e', ['redis-server', 'haproxy']) ? describe : describe.skip)('multi-node faults: three nodes, Redis, HAProxy', () => {
  let cluster: Cluster;
  let admin: Api;
  let mesh: TestMesh;
  const all: TrackedPeer[] = [];
  const make = (i: number, url: string | (() => string)) => {
    const p = new TrackedPeer(mesh.members[i], mesh.meshId, url);
    all.push(p);
    return p;
  };
  const nodeOfSession = async (sessionId: string) =>
    (await cluster.sql<{ node_id: string }>(`SELECT node_id FROM mesh.presence WHERE session_id = $1 AND ended_at IS NULL`, [sessionId]))[0]
      ?.node_id;
  const nodesOfSessions = async (ids: string[]) => {
    const rows = await cluster.sql<{ session_id: string; node_id: string }>(
      `SELECT session_id, node_id FROM mesh.presence WHERE session_id = ANY($1::uuid[]) AND ended_at IS NULL`,
      [ids],
    );
    return new Map(rows.map((r) => [r.session_id, r.node_id]));
  };

  beforeAll(async () => {
    await cryptoReady();
    cluster = await startCluster({ nodes: 3, env: { MAX_CONNECTIONS_PER_MESH: '20000', MAX_MEMBERS_PER_MESH: '20000' } });
    admin = await createAdmin(cluster.publicUrl, cluster.setupTokens());
    mesh = await createMesh(admin, PEERS + 12);
  });

  afterAll(async () => {
    await closeAll(all);
    await cluster?.stop();
  });

  it(`C-OPS-10: kill -9 of one node in the middle of a stream (${PEERS} peers × ${MESSAGES} messages) loses no acked message and applies none twice`, async () => {
    const peers = Array.from({ length: PEERS }, (_, i) => make(i, cluster.publicUrl));
    const c0 = Date.now();
    await connectAll(peers, 20);
    const connectSeconds = (Date.now() - c0) / 1000;
    const where = await nodesOfSessions(peers.map((p) => p.sessionId));
    const victim = cluster.node(2);
    const onVictim = peers.filter((p) => where.get(p.sessionId) === victim.nodeId);
    const perNode = cluster.nodes.map((n) => peers.filter((p) => where.get(p.sessionId) === n.nodeId).length);
    expect(perNode.every((c) => c > 0)).toBe(true);

    let killedAt = 0;
    const t0 = Date.now();
    const records = await runStream(peers, {
      total: MESSAGES,
      tag: 'kill9',
      window: 2,
      onProgress: (done) => {
        if (!killedAt && done >= MESSAGES * 0.4) {
          killedAt = Date.now();
          void cluster.kill9(2);
        }
      },
    });
    const sendSeconds = (Date.now() - t0) / 1000;
    expect(killedAt).toBeGreaterThan(0);
    const figures = await settle(peers, records, 'kill9', 90_000);
    const reattached = onVictim.filter((p) => p.welcomes.length >= 2 && p.welcomes.at(-1)!.reattached && p.welcomes.at(-1)!.presenceId === p.welcomes[0].presenceId);
    const reattachSeconds = Math.max(0, ...onVictim.map((p) => ((p.welcomeTimes[1] ?? killedAt) - killedAt) / 1000));
    const peerLeft = peers.reduce((s, p) => s + p.left.length, 0);
    report('kill -9 mid-stream', {
      ...figures,
      nodes: 3,
      peersPerNode: perNode,
      killedNodePeers: onVictim.length,
      killedNodePeersReattached: reattached.length,
      peerLeftEventsSeen: peerLeft,
      connectSeconds,
      sendSeconds,
      throughputMsgsPerSec: Math.round(records.length / sendSeconds),
      killedAfterSeconds: (killedAt - t0) / 1000,
      reattachSeconds,
    });
    expect(figures.lost).toBe(0);
    expect(figures.doubleApplied).toBe(0);
    expect(figures.unexpected).toBe(0);
    expect(figures.acked).toBeGreaterThanOrEqual(Math.floor(MESSAGES * 0.99));
    expect(reattached.length).toBe(onVictim.length);
    expect(peerLeft).toBe(0);
    // The survivors hold every presence now.
    const after = await nodesOfSessions(peers.map((p) => p.sessionId));
    expect([...after.values()].filter((n) => n === victim.nodeId)).toEqual([]);
    expect(after.size).toBe(PEERS);
  });

  it('a leader dies (kill -9): another node takes over each of its tasks within 30 s; never two leaders of one task', async () => {
    await cluster.startNode(2);
    await cluster.lb!.waitServerState('node3', 'UP');
    const gauges = await Promise.all(cluster.nodes.map((n) => leaderGauges(n.url)));
    const tasks = Object.keys(gauges[0]);
    expect(tasks.length).toBeGreaterThan(3);
    const leaderOf = (t: string) => gauges.findIndex((g) => g[t] === 1);
    const victim = leaderOf('presence-evict');
    expect(victim).toBeGreaterThanOrEqual(0);
    const led = tasks.filter((t) => leaderOf(t) === victim);
    const t0 = Date.now();
    await cluster.kill9(victim);
    const survivors = cluster.nodes.filter((_, i) => i !== victim);
    const takenAt: Record<string, number> = {};
    while (Date.now() - t0 < 30_000 && led.some((t) => takenAt[t] === undefined)) {
      const g = await Promise.all(survivors.map((n) => leaderGauges(n.url)));
      for (const t of tasks) {
        const sum = g.reduce((s, x) => s + (x[t] ?? 0), 0);
        expect(sum).toBeLessThanOrEqual(1);
        if (sum === 1 && takenAt[t] === undefined && led.includes(t)) takenAt[t] = Date.now() - t0;
      }
      await sleep(250);
    }
    process.stdout.write(`\n[multinode] leader ${cluster.node(victim).name} killed; takeover ms per task: ${JSON.stringify(takenAt)}\n`);
    expect(Object.keys(takenAt).sort()).toEqual([...led].sort());
    for (const ms of Object.values(takenAt)) expect(ms).toBeLessThanOrEqual(30_000);
    await cluster.startNode(victim);
    await cluster.lb!.waitServerState(cluster.node(victim).name, 'UP');
  });

  it('C-OPS-11: SIGTERM of a node with connected peers: they reattach on the others with no peer_left, a stream loses nothing, exit 0 within SHUTDOWN_GRACE_SECONDS', async () => {
    const base = PEERS;
    const peers = Array.from({ length: 6 }, (_, i) => make(base + i, cluster.publicUrl));
    await connectAll(peers, 6);
    const where = await nodesOfSessions(peers.map((p) => p.sessionId));
    const counts = cluster.nodes.map((n) => peers.filter((p) => where.get(p.sessionId) === n.nodeId).length);
    const victim = counts.indexOf(Math.max(...counts));
    const onVictim = peers.filter((p) => where.get(p.sessionId) === cluster.node(victim).nodeId);
    expect(onVictim.length).toBeGreaterThan(0);
    let stopped: Promise<number> | null = null;
    let t0 = 0;
    const records = await runStream(peers, {
      total: 600,
      tag: 'sigterm',
      window: 2,
      onProgress: (done) => {
        if (!stopped && done >= 150) {
          t0 = Date.now();
          stopped = cluster.terminate(victim);
        }
      },
    });
    const code = await stopped!;
    const exitMs = Date.now() - t0;
    const figures = await settle(peers, records, 'sigterm', 60_000);
    await waitFor('victim peers reattached', async () => onVictim.every((p) => p.welcomes.length >= 2 && p.client.connected), 30_000);
    report('SIGTERM mid-stream', { ...figures, exitCode: code, exitMs, victimPeers: onVictim.length });
    expect(code).toBe(0);
    expect(exitMs).toBeLessThanOrEqual(20_000);
    for (const p of onVictim) {
      expect(p.welcomes.at(-1)!.reattached).toBe(true);
      expect(p.welcomes.at(-1)!.presenceId).toBe(p.welcomes[0].presenceId);
    }
    expect(peers.reduce((s, p) => s + p.left.length, 0)).toBe(0);
    expect(figures.lost).toBe(0);
    expect(figures.doubleApplied).toBe(0);
    expect(figures.notAcked).toBe(0);
    const rows = await cluster.sql<{ stopped_at: Date | null }>('SELECT stopped_at FROM mesh.server_node WHERE id = $1', [cluster.node(victim).nodeId]);
    expect(rows[0].stopped_at).not.toBeNull();
    await cluster.startNode(victim);
    await cluster.lb!.waitServerState(cluster.node(victim).name, 'UP');
  });

  it('Redis down: readiness says redis_down, local delivery goes on, cross-node delivery falls back to the drain scan within 5 s; all recover', async () => {
    const base = PEERS + 6;
    const a = make(base, cluster.node(0).url);
    const b = make(base + 1, cluster.node(1).url);
    await Promise.all([a.connect(), b.connect()]);
    const local = make(base + 2, cluster.node(0).url); // on a's node
    await local.connect();
    await cluster.redis!.kill();
    for (const n of cluster.nodes) {
      await waitFor(`${n.name} redis_down`, async () => {
        const r = await readiness(n.url);
        return r.status === 503 && (r.json.reasons ?? []).includes('redis_down');
      }, 15_000, 250);
    }
    // Local: a and member 0's session are on node 1.
    let t = Date.now();
    await a.client.send(local.member.pubkey, 'local while redis is down');
    await local.until('local delivery', () => local.textsReceived().includes('local while redis is down'), 8000);
    const localMs = Date.now() - t;
    process.stdout.write(`\n[multinode] redis down: local delivery ${localMs} ms\n`);
    // Cross-node: node 1 cannot nudge node 2; node 2's drain-scan (every 5 s) picks the row up.
    t = Date.now();
    await a.client.send(b.member.pubkey, 'cross-node while redis is down');
    await b.until('cross-node delivery by the drain scan', () => b.textsReceived().includes('cross-node while redis is down'), 8000);
    const crossMs = Date.now() - t;
    // New connections still get through the proxy (it fails open when no node is ready).
    const late = make(base + 3, cluster.publicUrl);
    await late.connect();
    process.stdout.write(`\n[multinode] redis down: local delivery ${localMs} ms, cross-node delivery ${crossMs} ms\n`);
    expect(localMs).toBeLessThan(1000);
    // drain-scan runs every 5 s on each node; allow its own query time on a loaded 2-core machine.
    expect(crossMs).toBeLessThanOrEqual(6000);

    await cluster.redis!.restart();
    for (const n of cluster.nodes) {
      await waitFor(`${n.name} ready again`, async () => (await readiness(n.url)).status === 200, 30_000, 250);
    }
    // The adapter works again: cross-node delivery is push-fast (well under the 5 s scan).
    await sleep(1000);
    t = Date.now();
    await b.client.send(a.member.pubkey, 'cross-node after redis is back');
    await a.until('cross-node after recovery', () => a.textsReceived().includes('cross-node after redis is back'), 8000);
    const recoveredMs = Date.now() - t;
    process.stdout.write(`[multinode] redis back: cross-node delivery ${recoveredMs} ms\n`);
    expect(recoveredMs).toBeLessThan(2000);
  });
});

describe('multi-node without Redis', () => {
  it('C-OPS-12: a second node without REDIS_URL next to a live one reports multi_node_without_redis; the first stays ready', async () => {
    const cluster = await startCluster({ nodes: 1, redis: false, loadBalancer: false });
    try {
      expect((await readiness(cluster.node(0).url)).status).toBe(200);
      const second = await startServerProcess({ ...cluster.env, REDIS_URL: '' }, { waitReady: false });
      try {
        const r = await waitFor('second node answers readiness', async () => {
          const x = await readiness(second.baseUrl);
          return x.status === 503 ? x : null;
        }, 60_000, 250);
        expect(r.json).toEqual({ status: 'not_ready', reasons: ['multi_node_without_redis'] });
        const first = await readiness(cluster.node(0).url);
        expect(first.status).toBe(200);
        expect(first.json).toEqual({ status: 'ready', db: 'up', migrations: 'current', redis: 'disabled' });
      } finally {
        await second.stop('SIGTERM', { keepDatabase: true });
      }
    } finally {
      await cluster.stop();
    }
  });
});
