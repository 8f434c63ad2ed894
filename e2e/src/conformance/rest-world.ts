/**
 * The world of the REST contract suite, built only through the public API: the six principals of security.md §4,
 * the mesh "platform" created by two accounts, and the raw HTTP primitive every probe goes through.
 */
import { createTestApp, type TestApp } from '../../../server/src/testing/test-app';
import { acceptClaimResponse, claimBody, newClaimant, sodiumReady, type Claimant } from './rest-sodium';

export const PASSWORD = 'correct horse battery staple';

export interface Res {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

export interface ReqOptions {
  /** A JSON-serialisable body (undefined = no body). */
  body?: unknown;
  /** Sent as is (with Content-Type application/json unless `headers` names one; `'Content-Type': ''` sends none). */
  raw?: string | Uint8Array;
  headers?: Record<string, string>;
  /** A fixed client IP (X-Forwarded-For); by default every request gets a fresh one, so per-IP limits never interfere. */
  ip?: string;
}

let ipSeq = 0;
export const freshIp = (): string => {
  const n = ++ipSeq;
  return `10.77.${(n >> 8) & 255}.${n & 255}`;
};

/** One HTTP request, no redirects followed, the body parsed when it is JSON. */
export async function http(base: string, method: string, path: string, o: ReqOptions = {}): Promise<Res> {
  const headers: Record<string, string> = { 'X-Forwarded-For': o.ip ?? freshIp(), ...(o.headers ?? {}) };
  let payload: string | Uint8Array | undefined = o.raw;
  if (payload === undefined && o.body !== undefined) payload = JSON.stringify(o.body);
  if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  if (headers['Content-Type'] === '') delete headers['Content-Type']; // '' = send no Content-Type (bytes get none from fetch)
  const r = await fetch(base + path, { method, headers, body: payload as BodyInit | undefined, redirect: 'manual' });
  const text = await r.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: r.status, body, text, headers: r.headers };
}

export type PrincipalName = 'anonymous' | 'nonMember' | 'member' | 'admin' | 'owner' | 'instanceAdmin';
export const PRINCIPALS: PrincipalName[] = ['anonymous', 'nonMember', 'member', 'admin', 'owner', 'instanceAdmin'];

export interface Principal {
  name: PrincipalName;
  accountId: string | null;
  email: string | null;
  /** `cm_session=…; XSRF-TOKEN=…` */
  cookie: string | null;
  xsrf: string | null;
  pat: string | null;
}

export type Via = 'pat' | 'session' | 'none';

/** A request as `p`: its PAT by default, its cookie session (with the XSRF header) when via = 'session'. */
export function as(base: string, p: Principal, method: string, path: string, o: ReqOptions & { via?: Via } = {}): Promise<Res> {
  const via: Via = o.via ?? (p.pat ? 'pat' : p.cookie ? 'session' : 'none');
  const headers: Record<string, string> = {};
  if (via === 'pat' && p.pat) headers['Authorization'] = `Bearer ${p.pat}`;
  if (via === 'session' && p.cookie) {
    headers['Cookie'] = p.cookie;
    if (method !== 'GET' && p.xsrf) headers['X-XSRF-TOKEN'] = p.xsrf;
  }
  return http(base, method, path, { ...o, headers: { ...headers, ...(o.headers ?? {}) } });
}

/** The cookies a response set, as a Cookie header, and the XSRF token. */
function cookiesOf(r: Res): { cookie: string; xsrf: string } {
  const jar = new Map<string, string>();
  for (const c of r.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    jar.set(pair.slice(0, i), pair.slice(i + 1));
  }
  const xsrf = decodeURIComponent(jar.get('XSRF-TOKEN') ?? '');
  if (!jar.get('cm_session') || !xsrf) throw new Error('no session cookies were set');
  return { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '), xsrf };
}

async function must(r: Promise<Res>, status: number, what: string): Promise<Res> {
  const res = await r;
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${res.text.slice(0, 300)}`);
  return res;
}

/** A session (login) and a PAT for an existing account. */
export async function signIn(base: string, name: PrincipalName, email: string, accountId: string): Promise<Principal> {
  const login = await must(http(base, 'POST', '/api/auth/login', { body: { email, password: PASSWORD } }), 200, `login ${name}`);
  const { cookie, xsrf } = cookiesOf(login);
  const p: Principal = { name, accountId, email, cookie, xsrf, pat: null };
  p.pat = (await must(as(base, p, 'POST', '/api/tokens', { via: 'session', body: { name: `${name} pat` } }), 201, `pat ${name}`)).body.token;
  return p;
}

/** Another PAT of the same account: every PAT has its own REST bucket (600/min), so long sweeps use fresh ones. */
export async function withFreshPat(base: string, p: Principal): Promise<Principal> {
  if (!p.cookie) return p;
  const r = await must(as(base, p, 'POST', '/api/tokens', { via: 'session', body: { name: 'sweep' } }), 201, `fresh pat ${p.name}`);
  return { ...p, pat: r.body.token };
}

export interface World {
  t: TestApp;
  base: string;
  p: Record<PrincipalName, Principal>;
  /** The owner's "platform" mesh, with `admin` and `member` linked through claims with their PATs. */
  meshId: string;
  ownerPubkey: string;
  /** The non-member's own "platform" (C-API-3). */
  otherMeshId: string;
  /** An unlinked peer member of `meshId`, the target of member endpoints. */
  peer: { memberId: string; claimant: Claimant };
  /** Counts and hashes of every contract table (data unchanged ⇔ equal fingerprints). */
  fingerprint(): Promise<string>;
  /**
   * Mints an invite in `meshId` (default: as the owner in the main mesh). Minting is limited to 60 per hour per
   * account, so the modules share it between the owner and the linked admin (fresh meshes promote it); one run mints
   * about 40 as each.
   */
  mint(body?: Record<string, unknown>, by?: PrincipalName, meshId?: string): Promise<any>;
  /** A verified claim (invites.md §4.4) of `code`; returns the response and the claimant. */
  claim(code: string, o?: { claimant?: Claimant; pat?: string | null; displayName?: string }): Promise<{ res: Res; claimant: Claimant; rootKey: Uint8Array | null }>;
  close(): Promise<void>;
}

/** Tables the data-unchanged check covers; columns that mere reads touch are left out. */
const TABLES: [string, string[]][] = [
  ['instance', []],
  ['account', ['last_login_at']],
  ['auth_session', ['last_used_at']],
  ['personal_access_token', ['last_used_at']],
  ['mesh', []],
  ['mesh_root_key', []],
  ['member', []],
  ['invite', []],
  ['pending_invite', []],
  ['mail_outbox', []],
  ['audit_event', []],
];

export async function buildWorld(env: Record<string, string> = {}): Promise<World> {
  await sodiumReady();
  const t = await createTestApp({
    TRUST_PROXY: 'true',
    ALLOW_SIGNUP: 'false',
    ALLOW_V1_INVITES: 'true',
    CLAIM_RATE_PER_IP_PER_MIN: '1000',
    CLAIM_RATE_PER_CODE_PER_MIN: '1000',
    ...env,
  });
  const base = t.baseUrl;
  try {
    const signup = await must(
      http(base, 'POST', '/api/auth/signup', { body: { email: 'root@example.com', password: PASSWORD, displayName: 'Root', setupToken: t.setupToken } }),
      201,
      'first signup',
    );
    const root = await signIn(base, 'instanceAdmin', 'root@example.com', signup.body.account.id);
    const p = { instanceAdmin: root, anonymous: { name: 'anonymous', accountId: null, email: null, cookie: null, xsrf: null, pat: null } } as Record<PrincipalName, Principal>;
    for (const name of ['owner', 'admin', 'member', 'nonMember'] as const) {
      const email = `${name.toLowerCase()}@example.com`;
      const made = await must(as(base, root, 'POST', '/api/admin/accounts', { body: { email, displayName: name, password: PASSWORD } }), 201, `create ${name}`);
      p[name] = await signIn(base, name, email, made.body.id);
    }
    const mesh = (await must(as(base, p.owner, 'POST', '/api/meshes', { body: { name: 'platform' } }), 201, 'owner mesh')).body;
    const other = (await must(as(base, p.nonMember, 'POST', '/api/meshes', { body: { name: 'platform' } }), 201, 'other mesh')).body;

    const fingerprint = async (): Promise<string> => {
      const parts: string[] = [];
      for (const [tb, skip] of TABLES) {
        const cols = skip.map((c) => ` - '${c}'`).join('');
        const [r] = await t.dataSource.query(
          `SELECT count(*)::int AS n, md5(coalesce(string_agg((to_jsonb(x)${cols})::text, ',' ORDER BY (to_jsonb(x)${cols})::text), '')) AS h FROM mesh.${tb} x`,
        );
        parts.push(`${tb}:${r.n}:${r.h}`);
      }
      return parts.join('|');
    };
    const mint = async (body: Record<string, unknown> = {}, by: PrincipalName = 'owner', meshId = mesh.id) =>
      (await must(as(base, p[by], 'POST', `/api/meshes/${meshId}/invites`, { body }), 201, 'mint')).body;
    const claim: World['claim'] = async (code, o = {}) => {
      const claimant = o.claimant ?? newClaimant();
      const headers: Record<string, string> = o.pat ? { Authorization: `Bearer ${o.pat}` } : {};
      const res = await http(base, 'POST', `/api/public/invites/${code}/claim`, { body: claimBody(code, claimant, o.displayName), headers });
      const rootKey = res.status === 200 ? acceptClaimResponse(res.body, claimant) : null;
      return { res, claimant, rootKey };
    };

    // admin and member become linked members by claiming with their PATs (invites.md §7)
    for (const [name, role] of [['admin', 'admin'], ['member', 'member']] as const) {
      const inv = await mint({ role });
      const c = await claim(inv.code, { pat: p[name].pat, displayName: name });
      if (c.res.status !== 200) throw new Error(`claim for ${name}: ${c.res.status} ${c.res.text}`);
    }
    const peerInv = await mint();
    const peerClaim = await claim(peerInv.code, { displayName: 'peer' });
    if (peerClaim.res.status !== 200) throw new Error(`peer claim: ${peerClaim.res.text}`);

    return {
      t,
      base,
      p,
      meshId: mesh.id,
      ownerPubkey: mesh.ownerPubkey,
      otherMeshId: other.id,
      peer: { memberId: peerClaim.res.body.member_id, claimant: peerClaim.claimant },
      fingerprint,
      mint,
      claim,
      close: () => t.close(),
    };
  } catch (e) {
    await t.close();
    throw e;
  }
}

/**
 * A fresh mesh of the owner for destructive cells, with one mint: the linked admin and member and `peers` unlinked
 * peers all claim one invite; the admin's member row is then promoted by PATCH.
 */
export async function freshMesh(w: World, name = 'scratch', peers = 1): Promise<{ meshId: string; peers: { memberId: string; claimant: Claimant }[] }> {
  const mesh = (await must(as(w.base, w.p.owner, 'POST', '/api/meshes', { body: { name } }), 201, 'fresh mesh')).body;
  const inv = await w.mint({ maxUses: 2 + peers }, 'owner', mesh.id);
  for (const who of ['admin', 'member'] as const) {
    const c = await w.claim(inv.code, { pat: w.p[who].pat, displayName: who });
    if (c.res.status !== 200) throw new Error(`fresh claim ${who}: ${c.res.text}`);
    if (who === 'admin') {
      await must(as(w.base, w.p.owner, 'PATCH', `/api/meshes/${mesh.id}/members/${c.res.body.member_id}`, { body: { role: 'admin' } }), 200, 'promote admin');
    }
  }
  const out: { memberId: string; claimant: Claimant }[] = [];
  for (let i = 0; i < peers; i++) {
    const c = await w.claim(inv.code, { displayName: `peer-${i}` });
    if (c.res.status !== 200) throw new Error(`fresh peer: ${c.res.text}`);
    out.push({ memberId: c.res.body.member_id, claimant: c.claimant });
  }
  return { meshId: mesh.id, peers: out };
}

export { must };
