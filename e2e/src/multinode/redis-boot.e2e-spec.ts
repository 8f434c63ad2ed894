/**
 * A node that boots while Redis is down (operations.md §7, docs/SPEC.md D8): it serves, reports `redis_down` until Redis
 * is back, then joins the cluster's Socket.IO adapter, so cross-node delivery is push-fast again without a restart.
 */
import { cryptoReady } from '@claudemesh/shared/crypto';
import { toolsAvailable } from '@claudemesh/database';
import { ServerProcess, startServerProcess } from '../support/server-process';
import { Cluster, readiness, startCluster, waitFor } from './support/cluster';
import { createAdmin, createMesh, TestMesh } from './support/mesh';
import { closeAll, TrackedPeer } from './support/peers';

jest.setTimeout(180_000);

(toolsAvailable('multi-node Redis boot e2e', ['redis-server']) ? describe : describe.skip)('multi-node: a node started while Redis is down', () => {
  let cluster: Cluster;
  let mesh: TestMesh;
  let late: ServerProcess | null = null;
  const peers: TrackedPeer[] = [];

  beforeAll(async () => {
    await cryptoReady();
    cluster = await startCluster({ nodes: 1, loadBalancer: false });
    mesh = await createMesh(await createAdmin(cluster.publicUrl, cluster.setupTokens()), 4);
  });

  afterAll(async () => {
    await closeAll(peers);
    await late?.stop('SIGKILL', { keepDatabase: true });
    await cluster?.stop();
  });

  it('boots and serves with redis_down, turns ready when Redis returns, and then receives cross-node nudges through Redis', async () => {
    await cluster.redis!.kill();
    // The drain scan is pushed out of the test's reach, so only the adapter (a cross-node nudge) can deliver to this node.
    late = await startServerProcess({ ...cluster.env, PORT: '', TASK_PERIODS: 'drain-scan=600000' }, { waitReady: false, timeoutMs: 60_000 });
    const down = await waitFor('the late node answers readiness', async () => {
      const r = await readiness(late!.baseUrl).catch(() => null);
      return r && r.status === 503 ? r : null;
    }, 60_000, 250);
    expect(down.json).toEqual({ status: 'not_ready', reasons: ['redis_down'] });
    expect((await fetch(`${late.baseUrl}/health`)).status).toBe(200);

    await cluster.redis!.restart();
    for (const url of [cluster.node(0).url, late.baseUrl]) {
      await waitFor(`${url} ready`, async () => (await readiness(url)).status === 200, 30_000, 250);
    }

    const a = new TrackedPeer(mesh.members[0], mesh.meshId, cluster.node(0).url);
    const b = new TrackedPeer(mesh.members[1], mesh.meshId, late.baseUrl);
    peers.push(a, b);
    await Promise.all([a.connect(), b.connect()]);
    await a.until('peer_joined from the late node', () => a.joined.some((j) => j.peer.sessionId === b.sessionId), 5000);
    const t = Date.now();
    await a.client.send(b.member.pubkey, 'to the node that booted without Redis');
    await b.until('cross-node delivery', () => b.textsReceived().includes('to the node that booted without Redis'), 5000);
    const ms = Date.now() - t;
    process.stdout.write(`\n[multinode] node booted with Redis down: cross-node delivery ${ms} ms after Redis returned\n`);
    expect(ms).toBeLessThan(2000);
  });
});
