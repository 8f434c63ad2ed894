import { generateUuid, sealDirect } from '@claudemesh/shared/crypto';
import type { TestApp } from '../../../server/src/testing/test-app';
import { ShutdownService } from '../../../server/src/common/shutdown.service';
import { admitMembers, connectError, connectPeer, createMesh, helloAuth, signupOwner, sleep, startBroker, waitFor, type Member } from './harness';

describe('broker expiry, handshake limits and shutdown', () => {
  let app: TestApp;
  let m: Member[];

  beforeAll(async () => {
    app = await startBroker({
      MESSAGE_TTL_SECONDS: '2',
      HANDSHAKE_RATE_PER_PUBKEY_PER_MIN: '3',
      TASK_PERIODS: 'delivery-sweep=300,audit-messages=200,queue-gauges=200',
    });
    const owner = await signupOwner(app);
    const meshId = await createMesh(app, owner);
    m = await admitMembers(app, owner, meshId, 4);
  });
  afterAll(async () => app?.close());

  it('expiry (§6 item 12): an unacked row past MESSAGE_TTL is never pushed; the sweeper deletes rows, payloads and messages', async () => {
    const a = await connectPeer(app.baseUrl, m[0]);
    const env = sealDirect({ v: 1, text: 'short-lived' }, m[1].keys.publicKey, m[0].keys.secretKey);
    const ack = await a.call('send', { clientId: generateUuid(), to: m[1].keys.publicKey, nonce: env.nonce, ciphertext: env.ciphertext });
    expect(ack.ok).toBe(true);
    a.close();
    await sleep(2300);
    const b = await connectPeer(app.baseUrl, m[1]);
    expect(b.welcome.queued).toBe(0);
    await sleep(500);
    expect(b.of('message')).toHaveLength(0);
    await waitFor(async () => {
      const rows = await app.dataSource.query(`SELECT count(*)::int AS n FROM mesh.message WHERE id = $1`, [ack.messageId]);
      return rows[0].n === 0;
    }, 10_000);
    expect(await app.dataSource.query(`SELECT count(*)::int AS n FROM mesh.delivery WHERE message_id = $1`, [ack.messageId])).toEqual([{ n: 0 }]);
    b.close();
  });

  it('check 0: past HANDSHAKE_RATE_PER_PUBKEY_PER_MIN → rate_limited with retryAfterMs', async () => {
    for (let i = 0; i < 3; i++) (await connectPeer(app.baseUrl, m[2], { passive: true })).close();
    const e = await connectError(app.baseUrl, helloAuth(m[2]));
    expect(e.code).toBe('rate_limited');
    expect(e.retryAfterMs).toBeGreaterThan(0);
  });

  it('graceful shutdown step 3: presences go into grace (no peer_left), claims are released, sockets disconnected', async () => {
    const watcher = await connectPeer(app.baseUrl, m[3]);
    const b = await connectPeer(app.baseUrl, m[1]);
    const gone = new Promise<string>((r) => b.socket.once('disconnect', r));
    await app.app.get(ShutdownService).runDrainHooks();
    expect(await gone).toBe('io server disconnect');
    const row = await app.dataSource.query(`SELECT disconnected_at, ended_at FROM mesh.presence WHERE id = $1`, [b.welcome.presenceId]);
    expect(row[0].disconnected_at).not.toBeNull();
    expect(row[0].ended_at).toBeNull();
    await sleep(300);
    expect(watcher.of('peer_left')).toHaveLength(0);
  });
});
