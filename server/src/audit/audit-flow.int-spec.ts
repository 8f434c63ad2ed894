import { io, type Socket } from 'socket.io-client';
import { PeerClient, type DecryptedMessage } from '@claudemesh/peer-sdk';
import {
  claimSigningString,
  cryptoReady,
  generateClaimKeyPair,
  generateSigningKeyPair,
  signDetached,
  type Ed25519KeyPair,
} from '@claudemesh/shared/crypto';
import type { AuditListResponse } from '@claudemesh/shared/protocol';
import { createTestApp, type TestApp } from '../testing/test-app';

/**
 * The audit chain driven by the real product flow: REST sign-up, mesh, v2 invite and claims, real peers through the
 * SDK (signed handshake, libsodium), and the /ui live namespace.
 */
describe('audit through the real flow', () => {
  let t: TestApp;
  let token: string;
  let meshId: string;
  let ui: Socket;
  const appended: { meshId: string; seq: number; visible: boolean }[] = [];
  const peers: PeerClient[] = [];
  const ids: Ed25519KeyPair[] = [];
  const inbox: DecryptedMessage[][] = [[], [], []];

  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(t.baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await res.json()) as T;
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const waitFor = async (pred: () => boolean | Promise<boolean>, ms: number, what: string): Promise<number> => {
    const t0 = Date.now();
    while (!(await pred())) {
      if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return Date.now() - t0;
  };

  beforeAll(async () => {
    await cryptoReady();
    t = await createTestApp({ CLAIM_RATE_PER_IP_PER_MIN: '1000' });
    const signup = await fetch(`${t.baseUrl}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'dana@example.com', password: 'correct horse battery', displayName: 'Dana', setupToken: t.setupToken }),
    });
    const cookies = signup.headers.getSetCookie().map((c) => c.split(';')[0]);
    const xsrf = decodeURIComponent(cookies.find((c) => c.startsWith('XSRF-TOKEN='))!.split('=')[1]);
    const pat = await fetch(`${t.baseUrl}/api/tokens`, {
      method: 'POST',
      headers: { cookie: cookies.join('; '), 'x-xsrf-token': xsrf, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'audit-flow', expiresInDays: 1 }),
    });
    token = ((await pat.json()) as { token: string }).token;
    meshId = (await api<{ id: string }>('POST', '/api/meshes', { name: 'audit flow' })).id;
  });

  afterAll(async () => {
    ui?.disconnect();
    await Promise.all(peers.map((p) => p.close().catch(() => undefined)));
    await t?.close();
  });

  it('announces audit_appended on /ui only after the entry is committed', async () => {
    ui = io(`${t.baseUrl}/ui`, { transports: ['websocket'], auth: { token }, reconnection: false });
    ui.on('audit_appended', (e: { meshId: string; seq: number }) => {
      // Read the chain the moment the event arrives: the row must already be visible to other connections.
      void t.dataSource
        .query('SELECT 1 FROM mesh.audit_event WHERE mesh_id = $1 AND seq = $2', [e.meshId, e.seq])
        .then((rows: unknown[]) => appended.push({ ...e, visible: rows.length === 1 }));
    });
    await new Promise<void>((resolve, reject) => {
      ui.once('connect', () => resolve());
      ui.once('connect_error', reject);
    });
    expect(await ui.timeout(5000).emitWithAck('subscribe', { meshId })).toEqual({ ok: true });
    await api('POST', `/api/meshes/${meshId}/invites`, { maxUses: 3 });
    await waitFor(() => appended.length >= 1, 2000, 'audit_appended');
    expect(appended[0]).toEqual({ meshId, seq: 2, visible: true });
  });

  it('C-DATA-13 / C-SEC-4: real sends reach message.sent entries within 5 s, with no nonce, ciphertext or key', async () => {
    const invite = await api<{ code: string }>('POST', `/api/meshes/${meshId}/invites`, { maxUses: 3 });
    for (let i = 0; i < 3; i++) {
      const id = generateSigningKeyPair();
      const claim = generateClaimKeyPair();
      await fetch(`${t.baseUrl}/api/public/invites/${invite.code}/claim`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          recipient_x25519_pubkey: claim.publicKeyBase64Url,
          peer_pubkey: id.publicKey,
          display_name: `peer-${i}`,
          proof: signDetached(claimSigningString(invite.code, claim.publicKeyBase64Url), id.secretKey),
        }),
      }).then(async (r) => expect([r.status, await r.text()]).toEqual([200, expect.any(String)]));
      ids.push(id);
      const peer = new PeerClient({
        serverUrl: t.baseUrl,
        meshId,
        identity: { pubkey: id.publicKey, secretKey: id.secretKey },
        hello: { displayName: `peer-${i}` },
        onMessage: (m) => void inbox[i].push(m),
      });
      peers.push(peer);
      await peer.connect();
    }
    const sentAt = Date.now();
    const results = [];
    for (let k = 0; k < 5; k++) results.push(await peers[0].send(ids[1].publicKey, `direct secret ${k}`));
    for (let k = 0; k < 3; k++) results.push(await peers[2].send('*', `broadcast secret ${k}`));
    const messageIds = results.map((r) => r.messageId);
    // Capture what the server stored (before any purge) to prove none of it reaches the chain.
    const stored: { id: string; nonce: Buffer; ciphertext: Buffer }[] = await t.dataSource.query(
      'SELECT id, nonce, ciphertext FROM mesh.message WHERE id = ANY($1::varchar[])',
      [messageIds],
    );
    expect(stored.length).toBe(8);

    const entries = async () =>
      (await api<AuditListResponse>('GET', `/api/meshes/${meshId}/audit?type=message.&limit=200`)).data;
    const waited = await waitFor(async () => (await entries()).length === 8, 5000, 'message.sent entries');
    expect(Date.now() - sentAt).toBeLessThan(5000 + 1000);
    expect(waited).toBeLessThan(5000);
    const list = await entries();
    expect(list.map((e) => e.data.messageId).sort()).toEqual([...messageIds].sort());
    const forbidden = stored.flatMap((s) => [s.nonce, s.ciphertext].flatMap((b) => [b.toString('base64'), b.toString('hex'), b.toString('base64url')]));
    for (const e of list) {
      expect(e.type).toBe('message.sent');
      expect(Object.keys(e.data).sort()).toEqual(['from', 'messageId', 'priority', 'recipients', 'size', 'to']);
      const json = JSON.stringify(e);
      expect(json).not.toMatch(/nonce|ciphertext|secret|rootKey/i);
      for (const f of forbidden) expect(json.includes(f)).toBe(false);
      for (const id of ids) expect(json.includes(id.secretKey)).toBe(false);
      expect(e.actor.kind).toBe('member');
    }
    const direct = list.find((e) => e.data.to === ids[1].publicKey)!;
    expect(direct.data).toMatchObject({ priority: 'next', recipients: 1 });
    expect(direct.actor.displayName).toBe('peer-0');
    const broadcast = list.find((e) => e.data.to === '*')!;
    expect(broadcast.data.recipients).toBe(2);
    // Receivers decrypted the plaintext that never reached the chain.
    await waitFor(() => inbox[1].length >= 8 && inbox[0].length >= 3, 5000, 'deliveries');
    expect(inbox[1].map((m) => m.body?.text)).toEqual(expect.arrayContaining(['direct secret 0', 'broadcast secret 2']));
    // The chain verifies and /ui heard about the new head.
    const verify = await api<{ valid: boolean; headSeq: number }>('GET', `/api/meshes/${meshId}/audit/verify`);
    expect(verify.valid).toBe(true);
    await waitFor(() => appended.some((a) => a.seq >= Math.max(...list.map((e) => e.seq))), 2000, 'audit_appended for message.sent');
    expect(appended.every((a) => a.visible && a.meshId === meshId)).toBe(true);
  });
});
