import { Client as PgClient } from 'pg';
import { startServerProcess, ServerProcess } from '../support/server-process';
import { Client } from './client';

/**
 * The integrator's view, black box: the built server process (node server/dist/main.js) on a fresh database,
 * driven only over HTTP, with the database read directly to check what is stored.
 */
const PASSWORD = 'correct horse battery staple';

describe('REST API as an integrator sees it', () => {
  let server: ServerProcess;
  let db: PgClient;
  let setupToken: string;

  beforeAll(async () => {
    server = await startServerProcess({ ALLOW_SIGNUP: 'false', TRUST_PROXY: 'true' });
    const m = /First-time setup: \S+\/signup\?setup=([0-9A-Za-z]{24})/.exec(server.stdout());
    if (!m) throw new Error('no setup line on stdout');
    setupToken = m[1];
    db = new PgClient({ connectionString: server.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await server?.stop();
  });

  let admin: Client;
  let pat: string;

  it('C-API-6 first sign-up needs the printed setup token and makes an instance admin; then sign-up is closed', async () => {
    const body = { email: 'dana@example.com', password: PASSWORD, displayName: 'Dana Ops' };
    const noToken = await new Client(server.baseUrl).post('/api/auth/signup', body);
    expect([noToken.status, noToken.body.error.code]).toEqual([403, 'setup_token_invalid']);
    admin = new Client(server.baseUrl);
    const ok = await admin.post('/api/auth/signup', { ...body, setupToken });
    expect(ok.status).toBe(201);
    expect(ok.body.account.isAdmin).toBe(true);
    const second = await new Client(server.baseUrl).post('/api/auth/signup', { ...body, email: 'eve@example.com' });
    expect([second.status, second.body.error.code]).toEqual([403, 'signup_disabled']);
  });

  it('C-API-8 / C-API-5 a PAT is shown once, stored as SHA-256, works as Bearer; cookies need the XSRF proof', async () => {
    const created = await admin.post('/api/tokens', { name: 'ci' });
    expect(created.status).toBe(201);
    pat = created.body.token;
    expect(pat).toMatch(/^cmpat_[0-9A-Za-z]{40}$/);
    const { rows } = await db.query('SELECT * FROM mesh.personal_access_token');
    expect(JSON.stringify(rows)).not.toContain(pat);
    expect((await admin.get('/api/tokens')).text).not.toContain(pat);

    const noXsrf = new Client(server.baseUrl);
    noXsrf.cookies = new Map(admin.cookies);
    noXsrf.xsrf = false;
    const refused = await noXsrf.post('/api/meshes', { name: 'nope' });
    expect([refused.status, refused.body.error.code]).toEqual([403, 'csrf_failed']);
    const bearer = new Client(server.baseUrl);
    bearer.token = pat;
    expect((await bearer.get('/api/auth/me')).body.auth).toBe('token');
  });

  it('C-API-3 / C-API-4 two accounts each create "platform"; lists are per caller; others get 404', async () => {
    const made = await admin.post('/api/admin/accounts', { email: 'bob@example.com', displayName: 'Bob', password: PASSWORD });
    expect(made.status).toBe(201);
    const bob = new Client(server.baseUrl);
    expect((await bob.post('/api/auth/login', { email: 'bob@example.com', password: PASSWORD })).status).toBe(200);
    const bearer = new Client(server.baseUrl);
    bearer.token = pat;
    const a = await bearer.post('/api/meshes', { name: 'platform' });
    const b = await bob.post('/api/meshes', { name: 'platform' });
    expect([a.status, b.status, a.body.slug, b.body.slug]).toEqual([201, 201, 'platform', 'platform']);
    expect(a.body.id).not.toBe(b.body.id);
    expect((await bob.post('/api/meshes', { name: 'x', slug: 'y' })).status).toBe(400);
    const second = await bearer.post('/api/meshes', { name: 'second' });
    expect((await bearer.get('/api/meshes')).body.data.map((m: any) => m.id)).toEqual([second.body.id, a.body.id]);
    const peek = await bob.get(`/api/meshes/${a.body.id}`);
    expect([peek.status, peek.body.error.code]).toEqual([404, 'not_found']);
    expect((await bob.get('/api/admin/accounts')).status).toBe(404);
    const { rows } = await db.query('SELECT owner_secret_enc FROM mesh.mesh');
    for (const r of rows) expect(r.owner_secret_enc).toMatch(/^enc1:/);
  });

  it('C-API-2 bad bodies get 4xx in the error shape with the request id, never a 5xx', async () => {
    const bearer = new Client(server.baseUrl);
    bearer.token = pat;
    const cases: [string, unknown, string | undefined][] = [
      ['/api/meshes', { name: 5 }, undefined],
      ['/api/meshes', { name: 'x'.repeat(10_240) }, undefined],
      ['/api/meshes', { name: 'ok', extra: true }, undefined],
      ['/api/meshes', {}, undefined],
      ['/api/meshes', undefined, '{"name":'],
      ['/api/tokens', { name: 'x', expiresInDays: '5' }, undefined],
      ['/api/auth/login', { email: ['a'], password: 1 }, undefined],
    ];
    for (const [path, body, raw] of cases) {
      const r = await bearer.post(path, body, raw ? { raw } : {});
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(r.body.error.code).toMatch(/^(validation_failed|invalid_json|session_required)$/);
      expect(r.body.requestId).toBe(r.headers.get('x-request-id'));
    }
  });

  it('C-API-13 the OpenAPI document covers the account, token, admin, mesh and member endpoints', async () => {
    const doc = (await new Client(server.baseUrl).get('/api/docs-json')).body;
    const want: [string, string, string[]][] = [
      ['/api/auth/signup', 'post', ['201', '400', '403', '409', '429']],
      ['/api/tokens/{id}', 'delete', ['204', '401', '403', '404']],
      ['/api/admin/accounts/{id}', 'patch', ['200', '400', '401', '404', '409']],
      ['/api/meshes/{id}/transfer', 'post', ['200', '400', '401', '403', '404', '409', '410']],
      ['/api/meshes/{id}/members/{memberId}', 'delete', ['200', '401', '403', '404', '410']],
    ];
    for (const [p, m, statuses] of want) expect(Object.keys(doc.paths[p][m].responses)).toEqual(expect.arrayContaining(statuses));
  });
});
