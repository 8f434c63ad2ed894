/**
 * C-OPS-14 on two nodes: PostgreSQL restarts in the middle of a stream. A dedicated embedded PostgreSQL (never the
 * machine's) is stopped and started again while peers on both nodes send. Sends during the outage get `internal`
 * acks and succeed on retry with the same clientId; nothing acked is lost; the nodes recover by themselves.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@claudemesh/database';
import { encryptFor, PeerClientError } from '@claudemesh/peer-sdk';
import { cryptoReady, generateUuid } from '@claudemesh/shared/crypto';
import { Cluster, readiness, sleep, startCluster, waitFor } from './support/cluster';
import { createAdmin, createMesh } from './support/mesh';
import { closeAll, connectAll, TrackedPeer } from './support/peers';
import { runStream, settle, SentRecord } from './support/stream';
import { toolsAvailable } from '@claudemesh/database';

jest.setTimeout(300_000);

const PEERS = 20;
const MESSAGES = 1_000;
const OUTAGE_MS = 4_000;

/** One send with its own retry loop: the same clientId and the same envelope until an ok ack (or 90 s). */
async function sendWithRetry(from: TrackedPeer, to: TrackedPeer, text: string, rec: SentRecord): Promise<void> {
  const env = encryptFor(to.member.pubkey, { v: 1, text }, { meshId: from.meshId, secretKey: from.member.secretKey });
  const payload = { clientId: generateUuid(), to: to.member.pubkey, nonce: env.nonce, ciphertext: env.ciphertext };
  rec.clientId = payload.clientId;
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      const res = await from.client.request('send', payload, { retries: 0 });
      rec.messageId = res.messageId;
      rec.acked = true;
      return;
    } catch (e) {
      const code = e instanceof PeerClientError ? e.code : 'error';
      rec.errors.push(code);
      if (!['internal', 'timeout', 'unreachable'].includes(code) || Date.now() > deadline) throw e;
      await sleep(250);
    }
  }
}

(toolsAvailable('multi-node PostgreSQL restart e2e', ['redis-server']) ? describe : describe.skip)('multi-node: PostgreSQL restart mid-stream', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-mn-pg-'));
  let pg: EmbeddedPostgres;
  let cluster: Cluster;
  const peers: TrackedPeer[] = [];

  beforeAll(async () => {
    await cryptoReady();
    // The postgres OS user (when running as root) must traverse the temp dir.
    fs.chmodSync(root, 0o755);
    pg = await startEmbeddedPostgres({ dataDir: path.join(root, 'data') });
    cluster = await startCluster({ nodes: 2, loadBalancer: false, databaseUrl: pg.url, env: { CLAIM_LEASE_SECONDS: '5' } });
  });

  afterAll(async () => {
    await closeAll(peers);
    await cluster?.stop();
    await pg?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('C-OPS-14: sends during the outage get internal acks and succeed on retry with the same clientId; no acked message is lost', async () => {
    const admin = await createAdmin(cluster.publicUrl, cluster.setupTokens());
    const mesh = await createMesh(admin, PEERS);
    for (let i = 0; i < PEERS; i++) peers.push(new TrackedPeer(mesh.members[i], mesh.meshId, cluster.node(i % 2).url));
    await connectAll(peers, 10);

    const downSeen: string[][] = [];
    let outage: Promise<void> | null = null;
    let outageStart = 0;
    let outageEnd = 0;
    const records = await runStream(peers, {
      total: MESSAGES,
      tag: 'pgrestart',
      window: 2,
      sendOne: sendWithRetry,
      onProgress: (done) => {
        if (outage || done < MESSAGES * 0.3) return;
        outage = (async () => {
          outageStart = Date.now();
          await pg.stop();
          // Readiness reports the outage on both nodes (probe every 5 s).
          for (const n of cluster.nodes) {
            const r = await waitFor(`${n.name} db_down`, async () => {
              const x = await readiness(n.url);
              return x.status === 503 ? x : null;
            }, 15_000, 200);
            downSeen.push(r.json.reasons ?? []);
          }
          await sleep(Math.max(0, OUTAGE_MS - (Date.now() - outageStart)));
          await pg.restart();
          outageEnd = Date.now();
        })();
      },
    });
    await outage;
    const figures = await settle(peers, records, 'pgrestart', 90_000);
    const retriedThenAcked = records.filter((r) => r.acked && r.errors.includes('internal')).length;
    process.stdout.write(
      `\n[multinode] PostgreSQL restart mid-stream (${outageEnd - outageStart} ms outage)\n${JSON.stringify({ ...figures, retriedThenAcked }, null, 2)}\n`,
    );
    for (const reasons of downSeen) expect(reasons).toContain('db_down');
    expect(figures.errorCodes.internal ?? 0).toBeGreaterThan(0);
    expect(retriedThenAcked).toBeGreaterThan(0);
    expect(figures.notAcked).toBe(0);
    expect(figures.lost).toBe(0);
    expect(figures.doubleApplied).toBe(0);
    expect(figures.unexpected).toBe(0);
    // Each message exists once in the database although many were sent several times.
    const rows = await cluster.sql<{ n: string }>(`SELECT count(*)::text AS n FROM mesh.message WHERE mesh_id = $1`, [mesh.meshId]);
    expect(Number(rows[0].n)).toBe(MESSAGES);

    // The broker recovered by itself: both nodes ready, a new session connects and receives.
    for (const n of cluster.nodes) await waitFor(`${n.name} ready`, async () => (await readiness(n.url)).status === 200, 30_000, 250);
    const late = new TrackedPeer(mesh.members[0], mesh.meshId, cluster.node(1).url);
    peers.push(late);
    await late.connect();
    await peers[1].client.send(late.member.pubkey, 'after the restart');
    await waitFor('delivery after the restart', async () => late.textsReceived().includes('after the restart') || peers[0].textsReceived().includes('after the restart'), 10_000);
  });
});
