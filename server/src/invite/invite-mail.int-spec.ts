import { SMTPServer } from 'smtp-server';
import { cryptoReady } from '@claudemesh/shared/crypto';
import { createTestApp, type TestApp } from '../testing/test-app';
import { claim, claimBody, createMesh, http, mintInvite, newPeer, signupWithPat } from './invite-test-kit';

/** Email invites through a real SMTP server on loopback, retries, the outbox, resend and revoke (C-INV-20…23). */

interface Received {
  from: string;
  rcpt: string[];
  raw: string;
}

/** Undoes quoted-printable soft breaks and =XX escapes, enough to search the bodies. */
const qp = (s: string): string => s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));

async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('email invites with the smtp transport (invites.md §9)', () => {
  let t: TestApp;
  let owner: { token: string };
  let smtp: SMTPServer;
  const received: Received[] = [];
  let failing = false;
  const SMTP_PASSWORD = 's3cretSmtpPass';
  const q = <T = any>(sql: string, params: unknown[] = []): Promise<T[]> => t.dataSource.query(sql, params);
  const outboxRow = async (id: string) => (await q(`SELECT * FROM mesh.mail_outbox WHERE id = $1`, [id]))[0];

  beforeAll(async () => {
    await cryptoReady();
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      authOptional: true,
      allowInsecureAuth: true,
      logger: false,
      onAuth: (auth, _session, cb) => cb(null, { user: auth.username }),
      onMailFrom: (_addr, _session, cb) => {
        if (failing) return cb(Object.assign(new Error('Mailbox temporarily unavailable'), { responseCode: 451 }));
        cb();
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            rcpt: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const port = (smtp.server.address() as { port: number }).port;
    t = await createTestApp({
      MAIL_TRANSPORT: 'smtp',
      MAIL_SMTP_URL: `smtp://mailer:${SMTP_PASSWORD}@127.0.0.1:${port}`,
      TASK_PERIODS: 'mail-sender=200',
    });
    owner = await signupWithPat(t.baseUrl, 'owner@example.com', t.setupToken);
  });

  afterAll(async () => {
    await t?.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('C-INV-20: an email invite is delivered once to the loopback SMTP server with recipient, subject and short URL', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'Platform <Team>');
    const inv = await mintInvite(t.baseUrl, owner.token, mesh.id, { email: '  Dana@Example.COM ' });
    expect(inv.version).toBe(2);
    expect(inv.email).toBe('dana@example.com');
    expect(inv.mail).toMatchObject({ transport: 'smtp', status: 'pending' });
    const pending = await q(`SELECT * FROM mesh.pending_invite WHERE invite_id = $1`, [inv.id]);
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ email: 'dana@example.com', sent_count: 1, accepted_at: null });
    const audit = await q(`SELECT data FROM mesh.audit_event WHERE mesh_id = $1 AND type = 'invite.created'`, [mesh.id]);
    expect(audit[0].data.byEmail).toBe(true);
    expect(JSON.stringify(audit)).not.toContain('dana@');

    const row = await waitFor(async () => {
      const r = await outboxRow(inv.mail.outboxId);
      return r.status === 'sent' ? r : null;
    });
    expect(row.sent_at).not.toBeNull();
    expect(row.provider_message_id).toBeTruthy();
    expect(row.attempts).toBe(1);
    const mails = received.filter((m) => m.rcpt.includes('dana@example.com'));
    expect(mails).toHaveLength(1);
    const raw = qp(mails[0].raw);
    expect(raw).toMatch(/^Subject: owner invited you to Platform <Team> on claudemesh\r?$/m);
    expect(raw).toContain(inv.shortUrl);
    expect(raw).toContain(`claudemesh join ${inv.shortUrl}`);
    expect(raw).toContain('If you did not expect this, ignore this message');
    expect(raw).toContain('Platform &lt;Team&gt;'); // escaped in HTML
    expect(raw).toMatch(/UTC/);
    expect(raw).not.toMatch(/<img/i);
    expect(mails[0].from).toBe(t.config.mailFrom.replace(/^.*<([^>]+)>.*$/, '$1'));
  });

  it('C-INV-21: a failing SMTP server leaves a retryable pending row (no credentials in last_error); it is sent after recovery', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'retry');
    failing = true;
    let inv: any;
    try {
      inv = await mintInvite(t.baseUrl, owner.token, mesh.id, { email: 'erin@example.com' });
      const failed = await waitFor(async () => {
        const r = await outboxRow(inv.mail.outboxId);
        return r.attempts >= 1 ? r : null;
      });
      expect(failed.status).toBe('pending');
      expect(failed.last_error).toBeTruthy();
      expect(failed.last_error.length).toBeLessThanOrEqual(500);
      expect(failed.last_error).not.toContain(SMTP_PASSWORD);
      const waitS = (Date.parse(failed.next_attempt_at) - Date.now()) / 1000;
      expect(waitS).toBeGreaterThan(20); // first backoff 30 s
      expect(waitS).toBeLessThanOrEqual(31);
      expect(received.some((m) => m.rcpt.includes('erin@example.com'))).toBe(false);
    } finally {
      failing = false;
    }
    // Time travel past the backoff instead of waiting 30 s.
    await q(`UPDATE mesh.mail_outbox SET next_attempt_at = now() WHERE id = $1`, [inv.mail.outboxId]);
    const sent = await waitFor(async () => {
      const r = await outboxRow(inv.mail.outboxId);
      return r.status === 'sent' ? r : null;
    });
    expect(sent.attempts).toBe(2);
    expect(sent.last_error).toBeNull();
    expect(received.filter((m) => m.rcpt.includes('erin@example.com'))).toHaveLength(1);
  });

  it('rows stuck in sending for more than 5 minutes return to pending and are sent', async () => {
    // A row a crashed sender left in `sending` 6 minutes ago.
    const mesh = await createMesh(t.baseUrl, owner.token, 'stale');
    const id = 'Stale' + '0'.repeat(27);
    await q(
      `INSERT INTO mesh.mail_outbox (id, mesh_id, to_address, from_address, subject, text_body, html_body, transport, status, attempts, next_attempt_at)
       VALUES ($1, $2, 'stale@example.com', 'no-reply@example.com', 'stale', 'text', '<p>html</p>', 'smtp', 'sending', 0, now() - interval '6 minutes')`,
      [id, mesh.id],
    );
    const inv = { mail: { outboxId: id } };
    const sent = await waitFor(async () => {
      const r = await outboxRow(inv.mail.outboxId);
      return r.status === 'sent' ? r : null;
    });
    expect(sent.status).toBe('sent');
  });
});

describe('email invites with the default outbox transport (invites.md §9, api.md §7)', () => {
  let t: TestApp;
  let owner: { token: string; accountId: string };
  let bob: { token: string; accountId: string };
  let carol: { token: string; accountId: string };
  const q = <T = any>(sql: string, params: unknown[] = []): Promise<T[]> => t.dataSource.query(sql, params);

  beforeAll(async () => {
    await cryptoReady();
    t = await createTestApp({ ALLOW_SIGNUP: 'true', TRUST_PROXY: 'true' });
    owner = await signupWithPat(t.baseUrl, 'owner@example.com', t.setupToken);
    bob = await signupWithPat(t.baseUrl, 'bob@example.com', null);
    carol = await signupWithPat(t.baseUrl, 'carol@example.com', null);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('C-INV-22: with no transport the mail is stored; mesh admins and instance admins read it, plain members do not', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'outbox');
    const inv = await mintInvite(t.baseUrl, owner.token, mesh.id, { email: 'frank@example.com' });
    expect(inv.mail).toMatchObject({ transport: 'outbox', status: 'stored' });
    // bob becomes a plain member linked to his account.
    const link = await mintInvite(t.baseUrl, owner.token, mesh.id);
    expect((await claim(t.baseUrl, link.code, claimBody(link.code, newPeer()), { token: bob.token })).status).toBe(200);

    const asOwner = await http(t.baseUrl, 'GET', `/api/mail-outbox?meshId=${mesh.id}`, { token: owner.token });
    expect(asOwner.status).toBe(200);
    expect(asOwner.body.nextCursor).toBeNull();
    expect(asOwner.body.data).toHaveLength(1);
    const item = asOwner.body.data[0];
    expect(Object.keys(item).sort()).toEqual(
      ['attempts', 'createdAt', 'html', 'id', 'inviteId', 'lastError', 'meshId', 'sentAt', 'status', 'subject', 'text', 'to', 'transport'].sort(),
    );
    expect(item).toMatchObject({ id: inv.mail.outboxId, meshId: mesh.id, inviteId: inv.id, to: 'frank@example.com', status: 'stored', transport: 'outbox' });
    expect(item.subject).toBe('owner invited you to outbox on claudemesh');
    expect(item.text).toContain(inv.shortUrl);
    expect(item.html).toContain(inv.shortUrl);

    const asMember = await http(t.baseUrl, 'GET', `/api/mail-outbox?meshId=${mesh.id}`, { token: bob.token });
    expect(asMember.status).toBe(403);
    const asStranger = await http(t.baseUrl, 'GET', `/api/mail-outbox?meshId=${mesh.id}`, { token: carol.token });
    expect(asStranger.status).toBe(404);
    const noMesh = await http(t.baseUrl, 'GET', `/api/mail-outbox`, { token: bob.token });
    expect(noMesh.status).toBe(400);
    const instanceAdmin = await http(t.baseUrl, 'GET', `/api/mail-outbox?status=stored`, { token: owner.token });
    expect(instanceAdmin.status).toBe(200);
    expect(instanceAdmin.body.data.map((d: any) => d.id)).toContain(inv.mail.outboxId);
    expect((await http(t.baseUrl, 'GET', `/api/mail-outbox?meshId=${mesh.id}`, {})).status).toBe(401);
    // Pages by cursor.
    await mintInvite(t.baseUrl, owner.token, mesh.id, { email: 'gina@example.com' });
    const p1 = await http(t.baseUrl, 'GET', `/api/mail-outbox?meshId=${mesh.id}&limit=1`, { token: owner.token });
    expect(p1.body.data).toHaveLength(1);
    expect(p1.body.data[0].to).toBe('gina@example.com');
    const p2 = await http(t.baseUrl, 'GET', `/api/mail-outbox?meshId=${mesh.id}&limit=1&cursor=${p1.body.nextCursor}`, { token: owner.token });
    expect(p2.body.data[0].to).toBe('frank@example.com');
    expect(p2.body.nextCursor).toBeNull();
  });

  it('C-INV-23: claiming sets accepted_at; resend within 60 s → 429; revoking cancels unsent mail', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'lifecycle');
    const inv = await mintInvite(t.baseUrl, owner.token, mesh.id, { email: 'hank@example.com' });
    const dup = await http(t.baseUrl, 'POST', `/api/meshes/${mesh.id}/invites`, { token: owner.token, body: { email: 'HANK@example.com' } });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'invite_already_pending', details: { inviteId: inv.id } });

    const soon = await http(t.baseUrl, 'POST', `/api/meshes/${mesh.id}/invites/${inv.id}/resend`, { token: owner.token });
    expect(soon.status).toBe(429);
    expect(soon.body.error.code).toBe('resend_too_soon');
    expect(soon.body.error.details.retryAfterMs).toBeGreaterThan(0);
    expect(soon.headers.get('retry-after')).toBeTruthy();

    await q(`UPDATE mesh.pending_invite SET last_sent_at = now() - interval '61 seconds' WHERE invite_id = $1`, [inv.id]);
    const again = await http(t.baseUrl, 'POST', `/api/meshes/${mesh.id}/invites/${inv.id}/resend`, { token: owner.token });
    expect(again.status).toBe(200);
    expect(again.body.mail).toMatchObject({ transport: 'outbox', status: 'stored' });
    expect(again.body.mail.outboxId).not.toBe(inv.mail.outboxId);
    const resentRow = (await q(`SELECT * FROM mesh.mail_outbox WHERE id = $1`, [again.body.mail.outboxId]))[0];
    expect(qpSafe(resentRow.text_body)).toContain(inv.shortUrl);

    // Revoke: invite, pending row and unsent mail.
    const del = await http(t.baseUrl, 'DELETE', `/api/meshes/${mesh.id}/invites/${inv.id}`, { token: owner.token });
    expect(del.status).toBe(200);
    expect(del.body.status).toBe('revoked');
    expect(del.body.revokedAt).not.toBeNull();
    const mails = await q(`SELECT status FROM mesh.mail_outbox WHERE invite_id = $1`, [inv.id]);
    expect(mails.map((m) => m.status)).toEqual(['cancelled', 'cancelled']);
    expect((await q(`SELECT revoked_at FROM mesh.pending_invite WHERE invite_id = $1`, [inv.id]))[0].revoked_at).not.toBeNull();
    const again2 = await http(t.baseUrl, 'DELETE', `/api/meshes/${mesh.id}/invites/${inv.id}`, { token: owner.token });
    expect(again2.status).toBe(200);
    expect(again2.body.revokedAt).toBe(del.body.revokedAt);
    const revokedAudits = await q(`SELECT count(*)::int AS n FROM mesh.audit_event WHERE mesh_id = $1 AND type = 'invite.revoked'`, [mesh.id]);
    expect(revokedAudits[0].n).toBe(1);
    expect((await http(t.baseUrl, 'POST', `/api/meshes/${mesh.id}/invites/${inv.id}/resend`, { token: owner.token })).body.error.code).toBe('invite_revoked');

    // A new invite for the same address is allowed now; claiming it sets accepted_at.
    const inv2 = await mintInvite(t.baseUrl, owner.token, mesh.id, { email: 'hank@example.com' });
    const c = await claim(t.baseUrl, inv2.code, claimBody(inv2.code, newPeer()));
    expect(c.status).toBe(200);
    const p = (await q(`SELECT * FROM mesh.pending_invite WHERE invite_id = $1`, [inv2.id]))[0];
    expect(p.accepted_at).not.toBeNull();
    expect(p.accepted_member_id).toBe(c.body.member_id);
    const listed = await http(t.baseUrl, 'GET', `/api/meshes/${mesh.id}/invites?status=all`, { token: owner.token });
    const item = listed.body.data.find((d: any) => d.id === inv2.id);
    expect(item).toMatchObject({ email: 'hank@example.com', status: 'exhausted', usedCount: 1 });
    expect(item.acceptedAt).not.toBeNull();
    await q(`UPDATE mesh.pending_invite SET last_sent_at = now() - interval '61 seconds' WHERE invite_id = $1`, [inv2.id]);
    const accepted = await http(t.baseUrl, 'POST', `/api/meshes/${mesh.id}/invites/${inv2.id}/resend`, { token: owner.token });
    expect(accepted.status).toBe(409);
    expect(accepted.body.error.code).toBe('invite_already_accepted');
  });

  it('resend: not_email_invite, resend_limit after 5 mails, 404 for another mesh\'s invite', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'resend');
    const link = await mintInvite(t.baseUrl, owner.token, mesh.id);
    const r1 = await http(t.baseUrl, 'POST', `/api/meshes/${mesh.id}/invites/${link.id}/resend`, { token: owner.token });
    expect(r1.status).toBe(409);
    expect(r1.body.error.code).toBe('not_email_invite');
    const inv = await mintInvite(t.baseUrl, owner.token, mesh.id, { email: 'ivy@example.com', maxUses: 2 });
    for (let i = 0; i < 4; i++) {
      await q(`UPDATE mesh.pending_invite SET last_sent_at = now() - interval '61 seconds' WHERE invite_id = $1`, [inv.id]);
      expect((await http(t.baseUrl, 'POST', `/api/meshes/${mesh.id}/invites/${inv.id}/resend`, { token: owner.token })).status).toBe(200);
    }
    await q(`UPDATE mesh.pending_invite SET last_sent_at = now() - interval '61 seconds' WHERE invite_id = $1`, [inv.id]);
    const limit = await http(t.baseUrl, 'POST', `/api/meshes/${mesh.id}/invites/${inv.id}/resend`, { token: owner.token });
    expect(limit.status).toBe(409);
    expect(limit.body.error.code).toBe('resend_limit');
    expect((await q(`SELECT sent_count FROM mesh.pending_invite WHERE invite_id = $1`, [inv.id]))[0].sent_count).toBe(5);
    const other = await createMesh(t.baseUrl, owner.token, 'other');
    expect((await http(t.baseUrl, 'POST', `/api/meshes/${other.id}/invites/${inv.id}/resend`, { token: owner.token })).status).toBe(404);
  });

  it('invite management: members get 403 and never see codes; list filters by status, newest first', async () => {
    const mesh = await createMesh(t.baseUrl, owner.token, 'manage');
    const a = await mintInvite(t.baseUrl, owner.token, mesh.id);
    const b = await mintInvite(t.baseUrl, owner.token, mesh.id);
    await http(t.baseUrl, 'DELETE', `/api/meshes/${mesh.id}/invites/${a.id}`, { token: owner.token });
    expect((await claim(t.baseUrl, b.code, claimBody(b.code, newPeer()), { token: carol.token })).status).toBe(200);
    const c = await mintInvite(t.baseUrl, owner.token, mesh.id);

    const all = await http(t.baseUrl, 'GET', `/api/meshes/${mesh.id}/invites`, { token: owner.token });
    expect(all.body.data.map((d: any) => d.id)).toEqual([c.id, b.id, a.id]);
    expect(all.body.data[0]).toMatchObject({ status: 'valid', createdBy: { accountId: owner.accountId, displayName: 'owner' }, email: null });
    const byStatus = async (s: string) =>
      (await http(t.baseUrl, 'GET', `/api/meshes/${mesh.id}/invites?status=${s}`, { token: owner.token })).body.data.map((d: any) => d.id);
    expect(await byStatus('valid')).toEqual([c.id]);
    expect(await byStatus('revoked')).toEqual([a.id]);
    expect(await byStatus('exhausted')).toEqual([b.id]);
    expect(await byStatus('expired')).toEqual([]);
    expect((await http(t.baseUrl, 'GET', `/api/meshes/${mesh.id}/invites?status=bogus`, { token: owner.token })).status).toBe(400);
    const paged = await http(t.baseUrl, 'GET', `/api/meshes/${mesh.id}/invites?limit=2`, { token: owner.token });
    expect(paged.body.data).toHaveLength(2);
    const rest = await http(t.baseUrl, 'GET', `/api/meshes/${mesh.id}/invites?limit=2&cursor=${paged.body.nextCursor}`, { token: owner.token });
    expect(rest.body.data.map((d: any) => d.id)).toEqual([a.id]);

    const asMember = await http(t.baseUrl, 'GET', `/api/meshes/${mesh.id}/invites`, { token: carol.token });
    expect(asMember.status).toBe(403);
    expect(JSON.stringify(asMember.body)).not.toContain(c.code);
    expect((await http(t.baseUrl, 'POST', `/api/meshes/${mesh.id}/invites`, { token: carol.token, body: {} })).status).toBe(403);
    expect((await http(t.baseUrl, 'DELETE', `/api/meshes/${mesh.id}/invites/${c.id}`, { token: carol.token })).status).toBe(403);
    expect((await http(t.baseUrl, 'GET', `/api/meshes/${mesh.id}/invites`, { token: bob.token })).status).toBe(404);
    const bad = await http(t.baseUrl, 'POST', `/api/meshes/${mesh.id}/invites`, { token: owner.token, body: { maxUses: '5' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fields[0].field).toBe('maxUses');
    expect((await http(t.baseUrl, 'POST', `/api/meshes/${mesh.id}/invites`, { token: owner.token, body: { maxUses: 1001 } })).status).toBe(400);
    expect((await http(t.baseUrl, 'POST', `/api/meshes/${mesh.id}/invites`, { token: owner.token, body: { slug: 'x' } })).status).toBe(400);
  });
});

const qpSafe = (s: string): string => s;
