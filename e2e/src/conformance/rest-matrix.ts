/**
 * C-SEC-1 from outside: the authz matrix of security.md §4, row by row, for the six principals (anonymous, an account
 * with no role, member, admin, owner, instance admin with no role). ✓ cells expect the endpoint's own answer (its
 * success, or a rule of its own such as signup_disabled or resend_too_soon); destructive rows get fresh meshes.
 */
import { claimBody, joinProof, newClaimant } from './rest-sodium';
import { as, freshMesh, http, must, PASSWORD, PRINCIPALS, signIn, type Principal, type PrincipalName, type Res, type World } from './rest-world';

type Cell = number | [number, string];
interface Ctx {
  w: World;
  p: Principal;
  name: PrincipalName;
  /** Per-row fixtures, made once per row by `setup`. */
  s: any;
}
interface Row {
  endpoint: string;
  /** anonymous, nonMember, member, admin, owner, instanceAdmin */
  expect: [Cell, Cell, Cell, Cell, Cell, Cell];
  setup?: (w: World) => Promise<any>;
  call: (x: Ctx) => Promise<Res>;
}

/** As the principal: its PAT for account endpoints, its session for session-only ones; anonymous sends nothing. */
const call = (x: Ctx, method: string, path: string, o: { body?: unknown; session?: boolean } = {}) =>
  x.name === 'anonymous' ? http(x.w.base, method, path, { body: o.body }) : as(x.w.base, x.p, method, path, { body: o.body, via: o.session ? 'session' : 'pat' });
const M = (x: Ctx, suffix = '') => `/api/meshes/${x.w.meshId}${suffix}`;
const ALL_OK = (s: Cell): [Cell, Cell, Cell, Cell, Cell, Cell] => [s, s, s, s, s, s];
const ACCOUNT = (s: Cell): [Cell, Cell, Cell, Cell, Cell, Cell] => [401, s, s, s, s, s];
const MEMBER_PLUS = (s: Cell): [Cell, Cell, Cell, Cell, Cell, Cell] => [401, 404, s, s, s, 404];
const ADMIN_PLUS = (s: Cell): [Cell, Cell, Cell, Cell, Cell, Cell] => [401, 404, 403, s, s, 404];
const OWNER_ONLY = (s: Cell): [Cell, Cell, Cell, Cell, Cell, Cell] => [401, 404, 403, 403, s, 404];
const INSTANCE_ADMIN = (s: Cell): [Cell, Cell, Cell, Cell, Cell, Cell] => [401, 404, 404, 404, 404, s];
const idx = (n: PrincipalName) => PRINCIPALS.indexOf(n);

const ROWS: Row[] = [
  { endpoint: 'GET /api/public/config', expect: ALL_OK(200), call: (x) => call(x, 'GET', '/api/public/config') },
  { endpoint: 'GET /health', expect: ALL_OK(200), call: (x) => call(x, 'GET', '/health') },
  {
    endpoint: 'GET /api/public/invites/:ref, GET /api/public/invite-code/:code, GET /i/:code',
    expect: ALL_OK(200),
    setup: (w) => w.mint({ maxUses: 5 }, 'admin'),
    call: async (x) => {
      const [a, b, c] = [await call(x, 'GET', `/api/public/invites/${x.s.code}`), await call(x, 'GET', `/api/public/invite-code/${x.s.code}`), await call(x, 'GET', `/i/${x.s.code}`)];
      return { ...a, status: a.status === 200 && b.status === 200 && c.status === 302 ? 200 : Math.max(a.status, b.status, c.status === 302 ? 0 : c.status) };
    },
  },
  {
    endpoint: 'POST /api/public/invites/:code/claim (with the principal PAT: links it) and POST /invites/:code/claim',
    expect: ALL_OK(200),
    setup: async (w) => {
      const scratch = await freshMesh(w, 'matrix-claims', 0);
      return { v2: await w.mint({ maxUses: 12 }, 'admin', scratch.meshId), v1: await w.mint({ version: 1, maxUses: 6 }, 'admin', scratch.meshId) };
    },
    call: async (x) => {
      const a = newClaimant();
      const b = newClaimant();
      const r1 = await call(x, 'POST', `/api/public/invites/${x.s.v2.code}/claim`, { body: claimBody(x.s.v2.code, a) });
      const r2 = await http(x.w.base, 'POST', `/invites/${x.s.v2.code}/claim`, { body: claimBody(x.s.v2.code, b) });
      return r1.status === 200 ? r2 : r1;
    },
  },
  {
    endpoint: 'POST /api/public/join',
    expect: ALL_OK(200),
    call: (x) => {
      const c = newClaimant();
      const token: string = (x as any).rows.claim.v1.token;
      return call(x, 'POST', '/api/public/join', { body: { invite_token: token, peer_pubkey: c.pubkey, display_name: 'matrix', proof: joinProof(token, c) } });
    },
  },
  {
    endpoint: 'POST /api/auth/signup (ALLOW_SIGNUP=false: the endpoint answers its own rule to everyone)',
    expect: ALL_OK([403, 'signup_disabled']),
    call: (x) => http(x.w.base, 'POST', '/api/auth/signup', { body: { email: `signup-${x.name.toLowerCase()}@example.com`, password: PASSWORD, displayName: 'x' } }),
  },
  { endpoint: 'POST /api/auth/login', expect: ALL_OK(200), call: (x) => http(x.w.base, 'POST', '/api/auth/login', { body: { email: x.p.email ?? 'member@example.com', password: PASSWORD } }) },
  {
    endpoint: 'POST /api/auth/logout',
    expect: ACCOUNT(204),
    call: async (x) => {
      if (!x.p.email) return http(x.w.base, 'POST', '/api/auth/logout');
      const fresh = await signIn(x.w.base, x.name, x.p.email, x.p.accountId!);
      return as(x.w.base, fresh, 'POST', '/api/auth/logout', { via: 'session' });
    },
  },
  { endpoint: 'GET /api/auth/me', expect: ACCOUNT(200), call: (x) => call(x, 'GET', '/api/auth/me') },
  { endpoint: 'POST /api/auth/password', expect: ACCOUNT(204), call: (x) => call(x, 'POST', '/api/auth/password', { session: true, body: { currentPassword: PASSWORD, newPassword: PASSWORD } }) },
  { endpoint: 'GET /api/tokens', expect: ACCOUNT(200), call: (x) => call(x, 'GET', '/api/tokens', { session: true }) },
  { endpoint: 'POST /api/tokens', expect: ACCOUNT(201), call: (x) => call(x, 'POST', '/api/tokens', { session: true, body: { name: 'matrix' } }) },
  {
    endpoint: 'DELETE /api/tokens/:id (own token)',
    expect: ACCOUNT(204),
    call: async (x) => {
      const owner = x.p.cookie ? x.p : x.w.p.member;
      const made = await must(as(x.w.base, owner, 'POST', '/api/tokens', { via: 'session', body: { name: 'to-revoke' } }), 201, 'token');
      return call(x, 'DELETE', `/api/tokens/${made.body.id}`, { session: true });
    },
  },
  { endpoint: 'GET /api/admin/accounts', expect: INSTANCE_ADMIN(200), call: (x) => call(x, 'GET', '/api/admin/accounts') },
  {
    endpoint: 'POST /api/admin/accounts',
    expect: INSTANCE_ADMIN(201),
    call: (x) => call(x, 'POST', '/api/admin/accounts', { body: { email: `made-by-${x.name.toLowerCase()}@example.com`, displayName: 'Made', password: PASSWORD } }),
  },
  { endpoint: 'PATCH /api/admin/accounts/:id', expect: INSTANCE_ADMIN(200), call: (x) => call(x, 'PATCH', `/api/admin/accounts/${x.w.p.member.accountId}`, { body: { isAdmin: false } }) },
  { endpoint: 'GET /api/meshes', expect: ACCOUNT(200), call: (x) => call(x, 'GET', '/api/meshes') },
  { endpoint: 'POST /api/meshes', expect: ACCOUNT(201), call: (x) => call(x, 'POST', '/api/meshes', { body: { name: 'platform' } }) },
  { endpoint: 'GET /api/meshes/:id', expect: MEMBER_PLUS(200), call: (x) => call(x, 'GET', M(x)) },
  { endpoint: 'GET /api/meshes/:id/members', expect: MEMBER_PLUS(200), call: (x) => call(x, 'GET', M(x, '/members')) },
  { endpoint: 'GET /api/meshes/:id/audit', expect: MEMBER_PLUS(200), call: (x) => call(x, 'GET', M(x, '/audit')) },
  { endpoint: 'GET /api/meshes/:id/audit/verify', expect: MEMBER_PLUS(200), call: (x) => call(x, 'GET', M(x, '/audit/verify')) },
  { endpoint: 'PATCH /api/meshes/:id', expect: ADMIN_PLUS(200), call: (x) => call(x, 'PATCH', M(x), { body: { name: 'platform' } }) },
  { endpoint: 'POST /api/meshes/:id/rotate-root-key', expect: ADMIN_PLUS(200), call: (x) => call(x, 'POST', M(x, '/rotate-root-key')) },
  {
    endpoint: 'POST /api/meshes/:id/archive',
    expect: OWNER_ONLY(200),
    setup: (w) => freshMesh(w, 'matrix-archive', 0),
    call: (x) => call(x, 'POST', `/api/meshes/${x.s.meshId}/archive`),
  },
  {
    endpoint: 'POST /api/meshes/:id/transfer (to the linked admin)',
    expect: OWNER_ONLY(200),
    setup: (w) => freshMesh(w, 'matrix-transfer', 0),
    call: (x) => call(x, 'POST', `/api/meshes/${x.s.meshId}/transfer`, { body: { accountId: x.w.p.admin.accountId } }),
  },
  { endpoint: 'PATCH /api/meshes/:id/members/:mid', expect: ADMIN_PLUS(200), call: (x) => call(x, 'PATCH', M(x, `/members/${x.w.peer.memberId}`), { body: { displayName: 'peer' } }) },
  {
    endpoint: 'DELETE /api/meshes/:id/members/:mid (a peer per cell)',
    expect: ADMIN_PLUS(200),
    setup: (w) => freshMesh(w, 'matrix-remove', 6),
    call: (x) => call(x, 'DELETE', `/api/meshes/${x.s.meshId}/members/${x.s.peers[idx(x.name)].memberId}`),
  },
  { endpoint: 'GET /api/meshes/:id/invites', expect: ADMIN_PLUS(200), call: (x) => call(x, 'GET', M(x, '/invites')) },
  { endpoint: 'POST /api/meshes/:id/invites', expect: ADMIN_PLUS(201), call: (x) => call(x, 'POST', M(x, '/invites'), { body: {} }) },
  {
    endpoint: 'DELETE /api/meshes/:id/invites/:iid',
    expect: ADMIN_PLUS(200),
    setup: (w) => w.mint({}, 'admin'),
    call: (x) => call(x, 'DELETE', M(x, `/invites/${x.s.id}`)),
  },
  {
    endpoint: 'POST /api/meshes/:id/invites/:iid/resend (just sent: the 60 s rule answers)',
    expect: ADMIN_PLUS([429, 'resend_too_soon']),
    setup: (w) => w.mint({ email: 'matrix-resend@example.com' }, 'admin'),
    call: (x) => call(x, 'POST', M(x, `/invites/${x.s.id}/resend`)),
  },
  {
    endpoint: 'GET /api/mail-outbox?meshId=',
    expect: [401, 404, 403, 200, 200, 200],
    call: (x) => call(x, 'GET', `/api/mail-outbox?meshId=${x.w.meshId}`),
  },
];

export function matrixTests(world: () => World): void {
  const rows: Record<string, any> = {};

  for (const row of ROWS) {
    it(`C-SEC-1 ${row.endpoint}: ${PRINCIPALS.map((p, i) => `${p}=${JSON.stringify(row.expect[i])}`).join(' ')}`, async () => {
      const w = world();
      const s = row.setup ? await row.setup(w) : undefined;
      if (row.endpoint.startsWith('POST /api/public/invites/:code/claim')) rows.claim = s;
      const got: unknown[] = [];
      for (const name of PRINCIPALS) {
        const res = await row.call(Object.assign({ w, p: w.p[name], name, s }, { rows }) as Ctx);
        const want = row.expect[idx(name)];
        got.push(Array.isArray(want) ? [res.status, res.body?.error?.code] : res.status);
        if (res.status >= 400 && !res.body?.error?.code) got[got.length - 1] = `${res.status} without the error shape`;
      }
      expect(got).toEqual(row.expect);
    });
  }

  it('C-SEC-1 a non-member or instance admin never learns that a mesh exists: the 404 equals that of a random id', async () => {
    const w = world();
    for (const p of [w.p.nonMember, w.p.instanceAdmin]) {
      const real = await as(w.base, p, 'GET', `/api/meshes/${w.meshId}/invites`);
      const random = await as(w.base, p, 'GET', `/api/meshes/${'Q'.repeat(32)}/invites`);
      expect([real.status, real.body.error.code, real.body.error.message]).toEqual([random.status, random.body.error.code, random.body.error.message]);
    }
  });
}
