import { cryptoReady } from '@claudemesh/shared/crypto';
import { createTestApp, TestApp } from '../testing/test-app';
import { ApiClient, PASSWORD, signupClient, uniqueEmail } from '../auth/testing/api-client';
import { insertMember } from './testing/fixtures';

/**
 * C-API-2 (and security.md §6): for every endpoint of the auth, admin, mesh and member modules, malformed bodies and
 * queries get a 4xx with the contract code, never a 5xx, and the database is unchanged.
 */
type FieldKind = 'string' | 'email' | 'secret' | 'int' | 'bool' | 'id' | 'role';
interface Endpoint {
  name: string;
  method: 'POST' | 'PATCH';
  path: (x: Ids) => string;
  valid: Record<string, unknown>;
  fields: Record<string, FieldKind>;
  /** fields that may be left out */
  optional?: string[];
  /** "missing everything" is not an error for all-optional bodies */
  emptyOk?: boolean;
  client?: 'user' | 'admin';
}
interface Ids {
  meshId: string;
  memberId: string;
  accountId: string;
}

const TEN_KB = 'x'.repeat(10 * 1024);

const ENDPOINTS: Endpoint[] = [
  { name: 'signup', method: 'POST', path: () => '/api/auth/signup', valid: { email: 'new@example.com', password: PASSWORD, displayName: 'New' }, fields: { email: 'email', password: 'secret', displayName: 'string', setupToken: 'secret' }, optional: ['setupToken'] },
  { name: 'login', method: 'POST', path: () => '/api/auth/login', valid: { email: 'x@example.com', password: PASSWORD }, fields: { email: 'email', password: 'secret' } },
  { name: 'password', method: 'POST', path: () => '/api/auth/password', valid: { currentPassword: PASSWORD, newPassword: PASSWORD }, fields: { currentPassword: 'secret', newPassword: 'secret' } },
  { name: 'create token', method: 'POST', path: () => '/api/tokens', valid: { name: 'n', expiresInDays: 5 }, fields: { name: 'string', expiresInDays: 'int' }, optional: ['expiresInDays'] },
  { name: 'admin create account', method: 'POST', path: () => '/api/admin/accounts', client: 'admin', valid: { email: 'made@example.com', displayName: 'M', password: PASSWORD, isAdmin: false }, fields: { email: 'email', displayName: 'string', password: 'secret', isAdmin: 'bool' }, optional: ['isAdmin'] },
  { name: 'admin update account', method: 'PATCH', path: (x) => `/api/admin/accounts/${x.accountId}`, client: 'admin', valid: { isAdmin: false, disabled: false }, fields: { isAdmin: 'bool', disabled: 'bool' }, optional: ['isAdmin', 'disabled'], emptyOk: true },
  { name: 'create mesh', method: 'POST', path: () => '/api/meshes', valid: { name: 'ok' }, fields: { name: 'string' } },
  { name: 'rename mesh', method: 'PATCH', path: (x) => `/api/meshes/${x.meshId}`, valid: { name: 'ok' }, fields: { name: 'string' } },
  { name: 'transfer mesh', method: 'POST', path: (x) => `/api/meshes/${x.meshId}/transfer`, valid: { accountId: 'A'.repeat(32) }, fields: { accountId: 'id', email: 'email' }, optional: ['accountId', 'email'] },
  { name: 'update member', method: 'PATCH', path: (x) => `/api/meshes/${x.meshId}/members/${x.memberId}`, valid: { role: 'member' }, fields: { role: 'role', displayName: 'string', linkEmail: 'email' }, optional: ['role', 'displayName', 'linkEmail'] },
  { name: 'logout (no fields)', method: 'POST', path: () => '/api/auth/logout', valid: {}, fields: {}, emptyOk: true },
  { name: 'archive (no fields)', method: 'POST', path: (x) => `/api/meshes/${x.meshId}/archive`, valid: {}, fields: {}, emptyOk: true },
  { name: 'rotate (no fields)', method: 'POST', path: (x) => `/api/meshes/${x.meshId}/rotate-root-key`, valid: {}, fields: {}, emptyOk: true },
];

/** Values that break each kind of field. */
function badValues(kind: FieldKind): unknown[] {
  const common = [{}, [], true];
  switch (kind) {
    case 'string':
      return [...common, 5, TEN_KB, 'nul\u0000char', 'tab\tchar', 'lone \ud800 surrogate', '   ', ''];
    case 'email':
      return [...common, 5, `${TEN_KB}@example.com`, 'not-an-email', 'a@b', 'bell\u0007@example.com'];
    case 'secret':
      return [...common, 5, TEN_KB, 'nul\u0000password-long-enough'];
    case 'int':
      return [{}, [], true, '5', 1.5, 0, 366, 1e300, -1];
    case 'bool':
      return [{}, [], 'true', 1, 0];
    case 'id':
      return [...common, 5, 'short', 'A'.repeat(33), TEN_KB];
    case 'role':
      return [...common, 5, 'owner', 'ADMIN', TEN_KB];
  }
}

describe('C-API-2 bad input on every endpoint', () => {
  let t: TestApp;
  let user: ApiClient;
  let admin: ApiClient;
  let ids: Ids;

  const fingerprint = async (): Promise<string> => {
    const tables = ['account', 'auth_session', 'personal_access_token', 'mesh', 'mesh_root_key', 'member', 'audit_event', 'instance', 'presence'];
    const parts = [];
    for (const tb of tables) {
      const [r] = await t.dataSource.query(`SELECT count(*)::int AS n, md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) AS h FROM mesh.${tb} x`);
      parts.push(`${tb}:${r.n}:${r.h}`);
    }
    return parts.join('|');
  };

  beforeAll(async () => {
    await cryptoReady();
    t = await createTestApp({ ALLOW_SIGNUP: 'true', TRUST_PROXY: 'true' });
    admin = (await signupClient(t.baseUrl, { setupToken: t.setupToken })).client;
    const u = await signupClient(t.baseUrl);
    user = u.client;
    const meshId = (await user.post('/api/meshes', { name: 'target' })).body.id;
    const member = await insertMember(t.dataSource, meshId, {});
    ids = { meshId, memberId: member.id, accountId: u.account.id };
  }, 60_000);
  afterAll(() => t?.close());

  const send = (e: Endpoint, body: unknown, opts: { raw?: string; headers?: Record<string, string> } = {}) =>
    (e.client === 'admin' ? admin : user).request(e.method, e.path(ids), body, opts);

  const expectRefused = (res: { status: number; body: any; text: string }, code: string, label: string) => {
    expect({ label, status: res.status, code: res.body?.error?.code }).toEqual({ label, status: code === 'unsupported_media_type' ? 415 : 400, code });
    expect(res.text).not.toMatch(/at \w+ \(|QueryFailedError|node_modules/);
  };

  for (const e of ENDPOINTS) {
    it(`C-API-2 ${e.name}: missing, wrong types, 10 kB, unicode, extra fields, invalid JSON → 400/415, DB unchanged`, async () => {
      const before = await fingerprint();
      const required = Object.keys(e.fields).filter((f) => !(e.optional ?? []).includes(f));
      if (!e.emptyOk) expectRefused(await send(e, {}), 'validation_failed', 'empty object');
      for (const f of required) {
        const body = { ...e.valid };
        delete body[f];
        const res = await send(e, body);
        expectRefused(res, 'validation_failed', `missing ${f}`);
        expect(res.body.error.details.fields.map((x: any) => x.field)).toContain(f);
      }
      for (const [f, kind] of Object.entries(e.fields)) {
        for (const bad of badValues(kind)) {
          const res = await send(e, { ...e.valid, [f]: bad });
          expectRefused(res, 'validation_failed', `${f}=${JSON.stringify(bad).slice(0, 40)}`);
          expect(res.body.error.details.fields.map((x: any) => x.field)).toContain(f);
          expect(res.text.length).toBeLessThan(2000); // never echoes the 10 kB input
        }
        if (kind !== 'int' && kind !== 'bool' && !(e.optional ?? []).includes(f)) {
          expectRefused(await send(e, { ...e.valid, [f]: null }), 'validation_failed', `${f}=null`);
        }
      }
      const extra = await send(e, { ...e.valid, isOwner: true });
      expectRefused(extra, 'validation_failed', 'unknown field');
      expect(extra.body.error.details.fields).toEqual([{ field: 'isOwner', message: expect.stringContaining('isOwner') }]);
      expectRefused(await send(e, undefined, { raw: '{"name": "x",' }), 'invalid_json', 'truncated JSON');
      expectRefused(await send(e, undefined, { raw: "{'name': 'x'}" }), 'invalid_json', 'single quotes');
      for (const raw of ['[]', '"text"', '42', 'null', `[${JSON.stringify(e.valid)}]`]) {
        const res = await send(e, undefined, { raw });
        expect({ raw, status: res.status }).toEqual({ raw, status: 400 });
      }
      const form = await send(e, undefined, { raw: 'name=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
      expectRefused(form, 'unsupported_media_type', 'form body');
      expect(await fingerprint()).toBe(before);
    }, 60_000);
  }

  it('C-API-2 list queries: non-decimal or out-of-range limit, bad booleans, unknown parameters, long q → 400', async () => {
    const before = await fingerprint();
    const lists = ['/api/meshes', '/api/tokens', `/api/meshes/${ids.meshId}/members`];
    for (const path of lists) {
      for (const q of ['limit=0', 'limit=201', 'limit=abc', 'limit=%2B5', 'limit=5.0', 'limit=1e2', 'limit=', 'cursor=%00', 'unknown=1', 'limit=1&limit=2']) {
        const res = await user.get(`${path}?${q}`);
        expect({ path, q, status: res.status, code: res.body?.error?.code }).toEqual({ path, q, status: 400, code: 'validation_failed' });
      }
      expect((await user.get(`${path}?limit=7`)).status).toBe(200);
    }
    for (const q of ['archived=yes', 'archived=1', `q=${'x'.repeat(81)}`, 'q=%07']) {
      expect({ q, status: (await user.get(`/api/meshes?${q}`)).status }).toEqual({ q, status: 400 });
    }
    expect((await user.get(`/api/meshes/${ids.meshId}/members?includeRemoved=TRUE`)).status).toBe(400);
    expect((await admin.get(`/api/admin/accounts?q=${'x'.repeat(255)}`)).status).toBe(400);
    expect((await admin.get('/api/admin/accounts?q=%01')).status).toBe(400);
    expect(await fingerprint()).toBe(before);
  });

  it('C-API-2 malformed path ids are 404 not_found like unknown ones', async () => {
    for (const [method, path] of [
      ['GET', '/api/meshes/short'],
      ['GET', `/api/meshes/${'a'.repeat(31)}!`],
      ['PATCH', '/api/meshes/%00'],
      ['DELETE', `/api/meshes/${ids.meshId}/members/nope`],
      ['DELETE', '/api/tokens/..%2F..%2Fetc'],
      ['PATCH', `/api/admin/accounts/${'x'.repeat(500)}`],
    ] as const) {
      const c = path.startsWith('/api/admin') ? admin : user;
      const res = await c.request(method, path, method === 'GET' || method === 'DELETE' ? undefined : { name: 'x' });
      expect({ path, status: res.status, code: res.body?.error?.code }).toEqual({ path, status: 404, code: 'not_found' });
    }
  });

  it('unicode: lengths are counted in code points and valid text is kept as sent (after trimming)', async () => {
    const emoji80 = '🚀'.repeat(80); // 160 UTF-16 units, 80 code points
    const ok = await user.post('/api/meshes', { name: emoji80 });
    expect([ok.status, ok.body.name, ok.body.slug]).toEqual([201, emoji80, 'mesh']);
    expect((await user.post('/api/meshes', { name: '🚀'.repeat(81) })).status).toBe(400);
    const cjk = await user.post('/api/meshes', { name: ' 日本語 チーム ' });
    expect(cjk.body.name).toBe('日本語 チーム');
    const dn = await new ApiClient(t.baseUrl).post('/api/auth/signup', { email: uniqueEmail(), password: '🔑'.repeat(10), displayName: 'Zoë 👩‍💻' });
    expect([dn.status, dn.body.account?.displayName]).toEqual([201, 'Zoë 👩‍💻']);
  });

  it('a body over 64 KiB is 413 payload_too_large', async () => {
    const res = await user.post('/api/meshes', { name: 'x', pad: 'y'.repeat(70 * 1024) });
    expect([res.status, res.body.error.code]).toEqual([413, 'payload_too_large']);
  });
});
