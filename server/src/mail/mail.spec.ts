import { createServer, type IncomingMessage, type Server } from 'node:http';
import { cryptoReady } from '@claudemesh/shared/crypto';
import { renderInviteMail } from './invite-mail.renderer';
import { sanitizeMailError } from './mail-error';
import { PostmarkMailTransport } from './postmark.transport';

beforeAll(async () => {
  await cryptoReady();
});

describe('invite mail rendering (invites.md §9)', () => {
  const mail = renderInviteMail({
    meshName: 'Ops <script>alert(1)</script>',
    inviterName: 'Dana "D" O\'Brien & co',
    role: 'admin',
    expiresAt: new Date('2026-12-08T10:00:00.000Z'),
    shortUrl: 'https://mesh.example.com/i/HXQEhdlw',
    cliCommand: 'claudemesh join https://mesh.example.com/i/HXQEhdlw',
    installCommand: 'npm i -g https://mesh.example.com/cli/claudemesh.tgz',
  });

  it('has the contract subject and both bodies with the short URL, command, capability sentence and UTC expiry', () => {
    expect(mail.subject).toBe('Dana "D" O\'Brien & co invited you to Ops <script>alert(1)</script> on claudemesh');
    for (const body of [mail.text, mail.html]) {
      expect(body).toContain('https://mesh.example.com/i/HXQEhdlw');
      expect(body).toContain('claudemesh join https://mesh.example.com/i/HXQEhdlw');
      expect(body).toContain('2026-12-08 10:00 UTC');
      expect(body).toContain('If you did not expect this, ignore this message');
      expect(body).toContain('create, resend and revoke invites');
    }
  });

  it('escapes every value in HTML and loads nothing remote', () => {
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('Ops &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.html).toContain('Dana &quot;D&quot; O&#39;Brien &amp; co');
    expect(mail.html).not.toMatch(/<img|src=|<link/i);
  });
});

describe('last_error sanitising', () => {
  it('masks URL credentials and known secrets, and caps the length at 500', () => {
    const e = new Error('connect failed for smtp://user:hunter22@mail.example.com:25 token abc-POSTMARK-123 ' + 'x'.repeat(600));
    const out = sanitizeMailError(e, ['smtp://user:hunter22@mail.example.com:25', 'abc-POSTMARK-123']);
    expect(out).not.toContain('hunter22');
    expect(out).not.toContain('abc-POSTMARK-123');
    expect(out.length).toBeLessThanOrEqual(500);
  });
});

describe('postmark transport against a loopback HTTP server', () => {
  let server: Server;
  let port = 0;
  const seen: { headers: IncomingMessage['headers']; body: any; url: string }[] = [];
  let fail = false;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        seen.push({ headers: req.headers, body: JSON.parse(data || '{}'), url: req.url ?? '' });
        res.setHeader('content-type', 'application/json');
        if (fail) {
          res.statusCode = 422;
          res.end(JSON.stringify({ ErrorCode: 300, Message: 'Invalid email request' }));
        } else {
          res.end(JSON.stringify({ To: 'x', SubmittedAt: new Date().toISOString(), MessageID: 'pm-123', ErrorCode: 0, Message: 'OK' }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });

  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends From/To/Subject/TextBody/HtmlBody with the server token and returns the MessageID', async () => {
    const t = new PostmarkMailTransport('server-token-1', { requestHost: `127.0.0.1:${port}`, useHttps: false });
    const out = await t.send({ to: 'a@example.com', from: 'no-reply@example.com', subject: 'S', text: 'T', html: '<p>H</p>' });
    expect(out.providerMessageId).toBe('pm-123');
    const req = seen[seen.length - 1];
    expect(req.url).toBe('/email');
    expect(req.headers['x-postmark-server-token']).toBe('server-token-1');
    expect(req.body).toMatchObject({ From: 'no-reply@example.com', To: 'a@example.com', Subject: 'S', TextBody: 'T', HtmlBody: '<p>H</p>' });
    fail = true;
    await expect(t.send({ to: 'a@example.com', from: 'n@example.com', subject: 'S', text: 'T', html: 'H' })).rejects.toThrow();
  });
});
