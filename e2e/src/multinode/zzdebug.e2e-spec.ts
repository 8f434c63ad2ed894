import { cryptoReady } from '@claudemesh/shared/crypto';
import { readiness, sleep, startCluster, waitFor } from './support/cluster';
import { createAdmin, createMesh } from './support/mesh';
import { TrackedPeer } from './support/peers';
import * as fs from 'node:fs';

jest.setTimeout(120_000);
it('debug redis down', async () => {
  await cryptoReady();
  const cluster = await startCluster({ nodes: 2, loadBalancer: false, env: { LOG_LEVEL: 'debug' } });
  try {
    const admin = await createAdmin(cluster.publicUrl, cluster.setupTokens());
    const mesh = await createMesh(admin, 3);
    const a = new TrackedPeer(mesh.members[0], mesh.meshId, cluster.node(0).url);
    const l = new TrackedPeer(mesh.members[1], mesh.meshId, cluster.node(0).url);
    await a.connect(); await l.connect();
    const mark = cluster.node(0).proc!.stdout().length;
    await cluster.redis!.kill();
    await waitFor('down', async () => (await readiness(cluster.node(0).url)).status === 503, 15000, 250);
    const t = Date.now();
    const r = await a.client.send(l.member.pubkey, 'x').catch((e) => e);
    fs.writeFileSync('/tmp/mn/send.txt', JSON.stringify(r) + ' ' + (Date.now() - t));
    await sleep(7000);
    fs.writeFileSync('/tmp/mn/recv.txt', JSON.stringify([...l.received.values()]));
    fs.writeFileSync('/tmp/mn/node1.log', cluster.node(0).proc!.stdout().slice(mark) + '\n---stderr\n' + cluster.node(0).proc!.stderr());
    await a.close(); await l.close();
  } finally {
    await cluster.stop();
  }
});
