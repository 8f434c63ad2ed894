import { cryptoReady } from '@claudemesh/shared/crypto';
import { createTestApp, TestApp } from '../testing/test-app';
import { ApiClient, ApiResponse, PASSWORD, signupClient, uniqueEmail } from '../auth/testing/api-client';
import { MeshFixture, meshFixture } from './testing/fixtures';

/**
 * C-SEC-1: the authz matrix of security.md §4, cell by cell, over the six principals, for every endpoint of the
 * auth, admin, mesh and member modules. Each cell runs on a copy of the principal's cookie jar; destructive rows
 * get a fresh mesh per cell.
 */
type PrincipalName = 'anonymous' | 'nonMember' | 'member' | 'admin' | 'owner' | 'instanceAdmin';
const PRINCIPALS: PrincipalName[] = ['anonymous', 'nonMember', 'member', 'admin', 'owner', 'instanceAdmin'];

interface Principal {
  client: ApiClient;
  email: string | null;
  accountId: string | null;
}

interface Ctx {
  t: TestApp;
  p: Principal;
  c: ApiClient;
  f: MeshFixture;
  principals: Record<PrincipalName, Principal>;
  fresh: () => Promise<MeshFixture>;
}

interface Row {
  endpoint: string;
  expect: [number, number, number, number, number, number];
  freshMesh?: boolean;
  call: (x: Ctx) => Promise<ApiResponse>;
}

const ROWS: Row[] = [
  { endpoint: 'POST /api/auth/signup', expect: [201, 201, 201, 201, 201, 201], call: ({ p }) => p.client.clone({ cookies: false }).post('/api/auth/signup', { email: uniqueEmail('mx'), password: PASSWORD, displayName: 'Matrix' }) },
  {
    endpoint: 'POST /api/auth/login',
    expect: [200, 200, 200, 200, 200, 200],
    // Without the principal's cookie: a login revokes the session whose cookie it carries (rotation).
    call: ({ p, principals }) =>
      p.client.clone({ cookies: false }).post('/api/auth/login', { email: p.email ?? principals.nonMember.email, password: PASSWORD }),
  },
  {
    endpoint: 'POST /api/auth/logout',
    expect: [401, 204, 204, 204, 204, 204],
    call: async ({ t, p }) => {
      const c = new ApiClient(t.baseUrl);
      if (p.email) await c.post('/api/auth/login', { email: p.email, password: PASSWORD });
      return c.post('/api/auth/logout');
    },
  },
  { endpoint: 'GET /api/auth/me', expect: [401, 200, 200, 200, 200, 200], call: ({ c }) => c.get('/api/auth/me') },
  {
    endpoint: 'POST /api/auth/password',
    expect: [401, 204, 204, 204, 204, 204],
    call: ({ c }) => c.post('/api/auth/password', { currentPassword: PASSWORD, newPassword: PASSWORD }),
  },
  { endpoint: 'GET /api/tokens', expect: [401, 200, 200, 200, 200, 200], call: ({ c }) => c.get('/api/tokens') },
  { endpoint: 'POST /api/tokens', expect: [401, 201, 201, 201, 201, 201], call: ({ c }) => c.post('/api/tokens', { name: 'matrix' }) },
  {
    endpoint: 'DELETE /api/tokens/:id',
    expect: [401, 204, 204, 204, 204, 204],
    call: async ({ c, p, principals }) => {
      const owner = p.email ? p.client.clone() : principals.nonMember.client.clone();
      const created = await owner.post('/api/tokens', { name: 'to-revoke' });
      return c.delete(`/api/tokens/${created.body.id}`);
    },
  },
  { endpoint: 'GET /api/admin/accounts', expect: [401, 404, 404, 404, 404, 200], call: ({ c }) => c.get('/api/admin/accounts') },
  {
    endpoint: 'POST /api/admin/accounts',
    expect: [401, 404, 404, 404, 404, 201],
    call: ({ c }) => c.post('/api/admin/accounts', { email: uniqueEmail('adm'), displayName: 'Made', password: PASSWORD }),
  },
  {
    endpoint: 'PATCH /api/admin/accounts/:id',
    expect: [401, 404, 404, 404, 404, 200],
    call: ({ c, principals }) => c.patch(`/api/admin/accounts/${principals.nonMember.accountId}`, { isAdmin: false }),
  },
  { endpoint: 'GET /api/meshes', expect: [401, 200, 200, 200, 200, 200], call: ({ c }) => c.get('/api/meshes') },
  { endpoint: 'POST /api/meshes', expect: [401, 201, 201, 201, 201, 201], call: ({ c }) => c.post('/api/meshes', { name: 'matrix mesh' }) },
  { endpoint: 'GET /api/meshes/:id', expect: [401, 404, 200, 200, 200, 404], call: ({ c, f }) => c.get(`/api/meshes/${f.meshId}`) },
  { endpoint: 'GET /api/meshes/:id/members', expect: [401, 404, 200, 200, 200, 404], call: ({ c, f }) => c.get(`/api/meshes/${f.meshId}/members`) },
  { endpoint: 'PATCH /api/meshes/:id', expect: [401, 404, 403, 200, 200, 404], call: ({ c, f }) => c.patch(`/api/meshes/${f.meshId}`, { name: 'renamed' }) },
  {
    endpoint: 'POST /api/meshes/:id/rotate-root-key',
    expect: [401, 404, 403, 200, 200, 404],
    call: ({ c, f }) => c.post(`/api/meshes/${f.meshId}/rotate-root-key`),
  },
  {
    endpoint: 'POST /api/meshes/:id/archive',
    expect: [401, 404, 403, 403, 200, 404],
    freshMesh: true,
    call: ({ c, f }) => c.post(`/api/meshes/${f.meshId}/archive`),
  },
  {
    endpoint: 'POST /api/meshes/:id/transfer',
    expect: [401, 404, 403, 403, 200, 404],
    freshMesh: true,
    call: ({ c, f, principals }) => c.post(`/api/meshes/${f.meshId}/transfer`, { accountId: principals.admin.accountId }),
  },
  {
    endpoint: 'PATCH /api/meshes/:id/members/:mid',
    expect: [401, 404, 403, 200, 200, 404],
    call: ({ c, f }) => c.patch(`/api/meshes/${f.meshId}/members/${f.target.id}`, { displayName: 'renamed-peer' }),
  },
  {
    endpoint: 'DELETE /api/meshes/:id/members/:mid',
    expect: [401, 404, 403, 200, 200, 404],
    freshMesh: true,
    call: ({ c, f }) => c.delete(`/api/meshes/${f.meshId}/members/${f.target.id}`),
  },
];

describe('authz matrix (security.md §4)', () => {
  let t: TestApp;
  let principals: Record<PrincipalName, Principal>;
  let shared: MeshFixture;
  let fresh: () => Promise<MeshFixture>;

  beforeAll(async () => {
    await cryptoReady();
    t = await createTestApp({ ALLOW_SIGNUP: 'true', TRUST_PROXY: 'true' });
    const instanceAdmin = await signupClient(t.baseUrl, { setupToken: t.setupToken });
    const made: Partial<Record<PrincipalName, Principal>> = {
      anonymous: { client: new ApiClient(t.baseUrl), email: null, accountId: null },
      instanceAdmin: { client: instanceAdmin.client, email: instanceAdmin.email, accountId: instanceAdmin.account.id },
    };
    for (const name of ['nonMember', 'member', 'admin', 'owner'] as const) {
      const s = await signupClient(t.baseUrl, { displayName: name });
      made[name] = { client: s.client, email: s.email, accountId: s.account.id };
    }
    principals = made as Record<PrincipalName, Principal>;
    fresh = () => meshFixture(t.dataSource, principals.owner.client, { admin: principals.admin.accountId!, member: principals.member.accountId! });
    shared = await fresh();
  }, 60_000);
  afterAll(() => t?.close());

  for (const row of ROWS) {
    it(`C-SEC-1 ${row.endpoint}: ${PRINCIPALS.map((p, i) => `${p}=${row.expect[i]}`).join(' ')}`, async () => {
      const got: Record<string, number> = {};
      const want: Record<string, number> = {};
      for (const [i, name] of PRINCIPALS.entries()) {
        const p = principals[name];
        const f = row.freshMesh ? await fresh() : shared;
        const res = await row.call({ t, p, c: p.client.clone(), f, principals, fresh });
        got[name] = res.status;
        want[name] = row.expect[i];
        if (res.status >= 400) {
          // Every refusal is in the contract's error shape with the status's code.
          expect(res.body?.error?.code).toEqual(expect.any(String));
          expect(res.body.statusCode).toBe(res.status);
        }
        if (res.status === 404 && row.endpoint.includes(':id')) expect(res.body.error.code).toBe('not_found');
      }
      expect(got).toEqual(want);
    });
  }

  it('C-SEC-1 a non-member never learns that a mesh exists: 404 body equals that of a random id', async () => {
    const real = await principals.nonMember.client.get(`/api/meshes/${shared.meshId}`);
    const random = await principals.nonMember.client.get(`/api/meshes/${'A'.repeat(32)}`);
    const malformed = await principals.nonMember.client.get('/api/meshes/nope');
    for (const r of [real, random, malformed]) {
      expect(r.status).toBe(404);
      expect(r.body.error).toEqual(random.body.error);
    }
  });

  it('C-SEC-1 writes to an archived mesh answer 410 mesh_archived, reads still work, archive stays idempotent', async () => {
    const f = await fresh();
    const owner = principals.owner.client;
    expect((await owner.post(`/api/meshes/${f.meshId}/archive`)).status).toBe(200);
    const again = await owner.post(`/api/meshes/${f.meshId}/archive`);
    expect(again.status).toBe(200);
    expect(again.body.archivedAt).not.toBeNull();
    const writes = [
      await owner.patch(`/api/meshes/${f.meshId}`, { name: 'x' }),
      await owner.post(`/api/meshes/${f.meshId}/rotate-root-key`),
      await owner.post(`/api/meshes/${f.meshId}/transfer`, { accountId: principals.admin.accountId }),
      await principals.admin.client.patch(`/api/meshes/${f.meshId}/members/${f.target.id}`, { role: 'admin' }),
      await principals.admin.client.delete(`/api/meshes/${f.meshId}/members/${f.target.id}`),
    ];
    for (const w of writes) expect([w.status, w.body.error.code]).toEqual([410, 'mesh_archived']);
    // a plain member is still refused with 403 before the archive state matters
    expect((await principals.member.client.patch(`/api/meshes/${f.meshId}`, { name: 'x' })).status).toBe(403);
    expect((await owner.get(`/api/meshes/${f.meshId}`)).status).toBe(200);
    expect((await owner.get(`/api/meshes/${f.meshId}/members`)).status).toBe(200);
  });
});
