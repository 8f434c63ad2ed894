/**
 * The peer SDK against a real server process: reconnect after a transport drop keeps the sessionId (reattach, no
 * peer_left), `terminated` stops reconnecting, and a root key rotation is picked up for broadcasts.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PeerClient, cryptoReady, type DecryptedMessage } from '@claudemesh/peer-sdk';
import type { PeerLeftEvent, WelcomeEvent } from '@claudemesh/shared/protocol';
import type { CreateInviteResponse } from '@claudemesh/shared/dto';
import { createMeshViaApi, signupFirstAccount } from '../support/mesh-fixture';
import { startServerProcess } from '../support/server-process';
import { buildCli, runCli, waitFor } from './cli-runner';

type ServerProcess = Awaited<ReturnType<typeof startServerProcess>>;

jest.setTimeout(120_000);

/** A TCP proxy whose connections can be cut, to simulate a network drop. */
async function startTcpProxy(targetPort: number) {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const cleanup = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', cleanup).on('close', cleanup);
    upstream.on('error', cleanup).on('close', cleanup);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    connections: () => connections,
    dropAll: () => sockets.forEach((s) => s.destroy()),
    close: () => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))),
  };
}

describe('peer SDK (cli/src/sdk) against a real server', () => {
  let server: ServerProcess;
  let pat: string;
  let meshId: string;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-e2e-sdk-'));
  const clients: PeerClient[] = [];
  const load = (who: string) => {
    const home = path.join(tmp, who);
    const id = JSON.parse(fs.readFileSync(path.join(home, 'identity.json'), 'utf8'));
    const mesh = JSON.parse(fs.readFileSync(path.join(home, 'meshes.json'), 'utf8'))[meshId];
    return { identity: { pubkey: id.pubkey, secretKey: id.secretKey }, mesh };
  };

  beforeAll(async () => {
    await cryptoReady();
    buildCli();
    server = await startServerProcess({ HANDSHAKE_RATE_PER_IP_PER_MIN: '1000', HANDSHAKE_RATE_PER_PUBKEY_PER_MIN: '1000' });
    const setup = await waitFor('setup token', () => /\/signup\?setup=([0-9A-Za-z]+)/.exec(server.stdout())?.[1]);
    const admin = await signupFirstAccount(server.baseUrl, [setup], { email: 'ops@example.com', displayName: 'Ops', tokenName: 'sdk', tokenExpiresInDays: 1 });
    pat = admin.token;
    meshId = (await createMeshViaApi(admin.api, 'sdk')).id;
    const invite = await admin.api.ok<CreateInviteResponse>('POST', `/api/meshes/${meshId}/invites`, { maxUses: 2 });
    for (const who of ['a', 'b']) {
      const home = path.join(tmp, who);
      expect((await runCli(home, ['init'])).code).toBe(0);
      expect((await runCli(home, ['join', invite.shortUrl!, '--name', who])).code).toBe(0);
    }
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a transport drop reconnects with the same sessionId: the presence is reattached, no peer_left, queued messages arrive', async () => {
    const proxy = await startTcpProxy(Number(new URL(server.baseUrl).port));
    const a = load('a');
    const b = load('b');
    const receivedByA: DecryptedMessage[] = [];
    const clientA = new PeerClient({ serverUrl: proxy.url, meshId, ...a, rootKeys: a.mesh.rootKeys, onMessage: (m) => void receivedByA.push(m) });
    const clientB = new PeerClient({ serverUrl: server.baseUrl, meshId, ...b, rootKeys: b.mesh.rootKeys });
    clients.push(clientA, clientB);
    const leftSeenByB: PeerLeftEvent[] = [];
    clientB.on('peer_left', (p) => leftSeenByB.push(p));
    const w1 = await clientA.connect();
    await clientB.connect();
    expect(w1.sessionId).toBe(clientA.sessionId);
    expect(w1.reattached).toBe(false);

    const welcomes: WelcomeEvent[] = [];
    clientA.on('welcome', (w) => welcomes.push(w));
    proxy.dropAll();
    await waitFor('A disconnected', () => !clientA.connected, 5000, 20);
    // sent while A is away: queued and delivered on the reattach
    const sent = await clientB.send(a.identity.pubkey, 'while you were away');
    expect(sent.recipients).toBe(1);
    await waitFor('A reconnected', () => welcomes.length > 0, 15_000);
    expect(welcomes[0].sessionId).toBe(w1.sessionId);
    expect(welcomes[0].presenceId).toBe(w1.presenceId);
    expect(welcomes[0].reattached).toBe(true);
    await waitFor('the queued message', () => receivedByA.find((m) => m.body?.text === 'while you were away'));
    expect(receivedByA.filter((m) => m.id === sent.messageId)).toHaveLength(1);
    expect(leftSeenByB).toEqual([]);
    await proxy.close();
  });

  it('B picks up the rotated root key (root_key_rotated); `terminated` stops A without reconnecting', async () => {
    const proxy = await startTcpProxy(Number(new URL(server.baseUrl).port));
    const a = load('a');
    const b = load('b');
    const clientA = new PeerClient({ serverUrl: proxy.url, meshId, ...a, sessionId: undefined });
    clients.push(clientA);
    const clientB = clients[1];
    await clientA.connect();
    const rotated = new Promise<{ epoch: number; key: Uint8Array }>((r) => clientB.once('root_key', r));
    const stopped = new Promise<Error & { code?: string }>((r) => clientA.once('stopped', r));
    const res = await fetch(`${server.baseUrl}/api/meshes/${meshId}/members/${a.mesh.memberId}`, { method: 'DELETE', headers: { authorization: `Bearer ${pat}` } });
    expect(res.status).toBe(200);
    expect((await stopped).code).toBe('terminated');
    const key = await rotated;
    expect(key.epoch).toBe(2);
    expect(key.key).toHaveLength(32);
    expect(clientB.rootKeyEpoch).toBe(2);
    const before = proxy.connections();
    await new Promise((r) => setTimeout(r, 3000));
    expect(proxy.connections()).toBe(before);
    expect(clientA.connected).toBe(false);
    // B's broadcasts now use epoch 2 (and match nobody: A was the only other member)
    const sent = await clientB.send('*', 'after rotation');
    expect(sent.recipients).toBe(0);
    await proxy.close();
  });
});
