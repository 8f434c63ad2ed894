import { SMTPServer } from 'smtp-server';
import {
  claimSigningString,
  cryptoReady,
  generateClaimKeyPair,
  generateSigningKeyPair,
  openSealedRootKey,
  signDetached,
  verifyDetached,
} from '@claudemesh/shared/crypto';
import { Client } from '../api/client';
import { startServerProcess, type ServerProcess } from '../support/server-process';

/**
 * Black-box invites against `node server/dist/main.js`: mint, follow /i/:code, claim concurrently, verify and unseal
 * as a recipient must (invites.md §4.4), distinct lifecycle codes, no slot used by bad input, SMTP delivery.
 */

function claimFor(code: string) {
  const identity = generateSigningKeyPair();
  const claimKey = generateClaimKeyPair();
  return {
    identity,
    claimKey,
    body: {
      recipient_x25519_pubkey: claimKey.publicKeyBase64Url,
      peer_pubkey: identity.publicKey,
      display_name: 'e2e peer',
      proof: signDetached(claimSigningString(code, claimKey.publicKeyBase64Url), identity.secretKey),
    },
  };
}

let ipN = 0;
const claimReq = (base: string, code: string, body: unknown) =>
  fetch(`${base}/api/public/invites/${code}/claim`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.${(++ipN >> 8) & 255}.${ipN & 255}` },
    body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as any, headers: r.headers }));

describe('invites, black box (invites.md)', () => {
  let server: ServerProcess;
  let smtp: SMTPServer;
  const mails: { rcpt: string[]; raw: string }[] = [];
  let admin: Client;
  let meshId: string;
  let ownerPubkey: string;

  beforeAll(async () => {
    await cryptoReady();
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      authOptional: true,
      logger: false,
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push({ rcpt: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
          cb();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    const port = (smtp.server.address() as { port: number }).port;
    server = await startServerProcess({
      TRUST_PROXY: 'true',
      CLAIM_RATE_PER_IP_PER_MIN: '1000',
      CLAIM_RATE_PER_CODE_PER_MIN: '1000',
      MAIL_SMTP_URL: `smtp://127.0.0.1:${port}`,
    });
    const setup = /First-time setup: \S+\/signup\?setup=([0-9A-Za-z]{24})/.exec(server.stdout());
    admin = new Client(server.baseUrl);
    const signup = await admin.post('/api/auth/signup', {
      email: 'owner@example.com',
      password: 'correct horse battery',
      displayName: 'Owner',
      setupToken: setup?.[1],
    });
    expect(signup.status).toBe(201);
    const mesh = await admin.post('/api/meshes', { name: 'e2e' });
    expect(mesh.status).toBe(201);
    meshId = mesh.body.id;
    ownerPubkey = mesh.body.ownerPubkey;
  });

  afterAll(async () => {
    await server?.stop();
    await new Promise<void>((r) => smtp.close(() => r()));
  });

  it('C-INV-16 / C-INV-3 / C-INV-7: follow /i/:code, 50 concurrent claims vs maxUses=5, each winner verifies and unseals', async () => {
    const inv = await admin.post(`/api/meshes/${meshId}/invites`, { maxUses: 5 });
    expect(inv.status).toBe(201);
    const code: string = inv.body.code;
    const redirect = await fetch(`${server.baseUrl}/i/${code}`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe(`/join/${code}`);
    expect(redirect.headers.get('cache-control')).toBe('no-store');

    const claimants = Array.from({ length: 50 }, () => claimFor(code));
    const results = await Promise.all(claimants.map((c) => claimReq(server.baseUrl, code, c.body)));
    const winners = results.map((r, i) => ({ r, c: claimants[i] })).filter((x) => x.r.status === 200);
    expect(winners).toHaveLength(5);
    expect(results.filter((r) => r.status === 410 && r.body.error.code === 'invite_exhausted')).toHaveLength(45);
    const keys = new Set<string>();
    for (const { r, c } of winners) {
      const parts = r.body.canonical_v2.split('|');
      expect(parts).toHaveLength(6);
      expect([parts[0], parts[1], parts[4], parts[5]]).toEqual(['v=2', r.body.mesh_id, r.body.role, r.body.owner_pubkey]);
      expect(r.body.owner_pubkey).toBe(ownerPubkey);
      expect(verifyDetached(r.body.canonical_v2, r.body.signature, r.body.owner_pubkey)).toBe(true);
      const root = openSealedRootKey(r.body.sealed_root_key, c.claimKey.publicKey, c.claimKey.secretKey);
      expect(root).toHaveLength(32);
      keys.add(Buffer.from(root!).toString('hex'));
    }
    expect(keys.size).toBe(1); // every winner got the same mesh root key
    const landing = await admin.get(`/api/public/invites/${code}`);
    expect(landing.body).toMatchObject({ status: 'exhausted', usedCount: 5, memberCount: 5 });
  });

  it('C-INV-5 / C-INV-9: bad input uses no slot; revoked, exhausted and unknown codes give distinct answers', async () => {
    const inv = await admin.post(`/api/meshes/${meshId}/invites`, { maxUses: 1 });
    const code: string = inv.body.code;
    const c = claimFor(code);
    const bad = await claimReq(server.baseUrl, code, { ...c.body, recipient_x25519_pubkey: c.body.recipient_x25519_pubkey.slice(0, 42) });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'validation_failed']);
    const wrongProof = await claimReq(server.baseUrl, code, { ...c.body, proof: claimFor(code).body.proof });
    expect([wrongProof.status, wrongProof.body.error.code]).toEqual([400, 'invalid_proof']);
    expect((await admin.get(`/api/public/invites/${code}`)).body.usedCount).toBe(0);
    expect((await claimReq(server.baseUrl, code, c.body)).status).toBe(200);
    const exhausted = await claimReq(server.baseUrl, code, claimFor(code).body);
    expect([exhausted.status, exhausted.body.error.code]).toEqual([410, 'invite_exhausted']);

    const r = await admin.post(`/api/meshes/${meshId}/invites`, {});
    expect((await admin.del(`/api/meshes/${meshId}/invites/${r.body.id}`)).status).toBe(200);
    const revoked = await claimReq(server.baseUrl, r.body.code, claimFor(r.body.code).body);
    expect([revoked.status, revoked.body.error.code]).toEqual([410, 'invite_revoked']);
    const unknown = await claimReq(server.baseUrl, 'nonexistent', claimFor('nonexistent').body);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'invite_not_found']);
  });

  it('C-INV-20: an email invite reaches the loopback SMTP server with the recipient, subject and short link', async () => {
    const inv = await admin.post(`/api/meshes/${meshId}/invites`, { email: 'guest@example.com' });
    expect(inv.status).toBe(201);
    expect(inv.body.mail.transport).toBe('smtp');
    const end = Date.now() + 20_000;
    while (!mails.some((m) => m.rcpt.includes('guest@example.com')) && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    const mail = mails.find((m) => m.rcpt.includes('guest@example.com'));
    expect(mail).toBeDefined();
    const raw = mail!.raw.replace(/=\r?\n/g, '');
    expect(raw).toMatch(/^Subject: Owner invited you to e2e on claudemesh\r?$/m);
    expect(raw).toContain(inv.body.shortUrl);
  });
});
