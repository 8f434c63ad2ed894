/**
 * C-API-1 / C-API-2 / security.md §6 for every endpoint of api.md that takes a body: bodies that are not JSON, not
 * objects, of another media type or too large; wrong types, over-long strings, control characters, lone surrogates,
 * missing and unknown fields; missing or bad credentials and CSRF. Each answers the contract's code in the error
 * shape (naming the field), never a 5xx, and the database is unchanged.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { cryptoReady } from '@claudemesh/shared/crypto';
import { connectPeer, type TestPeer } from '../broker/harness';
import { Mismatches } from './rest-assert';
import { ENDPOINTS, type Endpoint, type Field } from './rest-endpoints';
import { claimBody, hex, hexThatIsNoPoint, joinProof, newClaimant } from './rest-sodium';
import { as, freshMesh, http, must, PASSWORD, signIn, withFreshPat, type Principal, type Res, type World } from './rest-world';

const TEN_KB = 'x'.repeat(10 * 1024);

/** Values that break a field of this kind, each with a label. */
function badValues(name: string, f: Field, valid: unknown): [string, unknown][] {
  const nul: [string, unknown][] = f.nullable ? [] : [['null', null]];
  switch (f.kind) {
    case 'string':
      return [
        ...nul, ['number', 42], ['object', {}], ['array', ['a']], ['bool', true], ['10 kB', TEN_KB], ['NUL', 'a\u0000b'], ['ESC', 'a\u001bb'], ['DEL', 'a\u007fb'],
        ['lone surrogate', 'a\ud800b'], ['max+1 code points', '🚀'.repeat((f.max ?? 64) + 1)], ...(f.required ? [['blank', '   '], ['empty', '']] as [string, unknown][] : []),
      ];
    case 'secret':
      return [...nul, ['number', 42], ['object', {}], ['10 kB', TEN_KB], ['NUL', 'pass\u0000word-long-enough'], ['lone surrogate', 'pass\udfffword-long-enough']];
    case 'email':
      return [...nul, ['number', 42], ['object', {}], ['no @', 'not-an-email'], ['10 kB', `${TEN_KB}@example.com`], ['NUL', 'a\u0000b@example.com'], ['two @', 'a@b@example.com']];
    case 'int':
      return [...nul, ['numeric string', '5'], ['float', 1.5], ['bool', true], ['zero', 0], ['negative', -1], ['huge', 1e300], ['too big', 100000]];
    case 'bool':
      return [...nul, ['string', 'true'], ['number', 1]];
    case 'enum':
      return [...nul, ['unknown value', 'bogus'], ['upper case', String(valid).toUpperCase()], ['number', 42]];
    case 'id':
      return [...nul, ['short', 'short'], ['33 chars', 'A'.repeat(33)], ['number', 42]];
    case 'x25519':
      return [
        ...nul, ['standard base64, padded', randomBytes(32).toString('base64').replace(/.$/, '=')], ['31 bytes', randomBytes(31).toString('base64url')],
        ['padded base64url', `${randomBytes(32).toString('base64url')}=`], ['number', 42],
      ];
    case 'hex64':
      return [
        ...nul, ['upper case', String(valid).toUpperCase()], ['63 chars', String(valid).slice(1)], ['not hex', 'z'.repeat(64)], ['number', 42],
        ['no ed25519 point', hexThatIsNoPoint()],
      ];
    case 'hex128':
      return [...nul, ['upper case', String(valid).toUpperCase()], ['127 chars', String(valid).slice(1)], ['number', 42]];
    case 'token':
      return [...nul, ['number', 42], ['object', {}], ['10 kB', TEN_KB]];
    case 'uuid':
      return [...nul, ['not a uuid', 'not-a-uuid'], ['number', 42]];
  }
  return [name ? ['number', 42] : ['', null]];
}

interface Target {
  path: string;
  valid: Record<string, unknown>;
  /** The allowed caller (undefined = anonymous). */
  caller?: Principal;
  headers?: Record<string, string>;
  /** Body cap (4 KiB for the hook). */
  limit: number;
  /** How the caller authenticates (its PAT unless said otherwise). */
  via?: 'session' | 'pat';
}

/** Sends as the target's caller. */
const send = (w: World, t: Target, method: string, o: { body?: unknown; raw?: string | Uint8Array; headers?: Record<string, string> }) =>
  t.caller ? as(w.base, t.caller, method, t.path, { ...o, via: t.via, headers: { ...(t.headers ?? {}), ...(o.headers ?? {}) } }) : http(w.base, method, t.path, { ...o, headers: { ...(t.headers ?? {}), ...(o.headers ?? {}) } });

/** Every bad-body probe of one endpoint, into `m`. */
async function sweepBody(w: World, e: Endpoint, t: Target, m: Mismatches): Promise<void> {
  const k = `${e.method} ${e.path}`;
  const vf = (res: Res, label: string, fields?: string[]) => m.check(res, 400, 'validation_failed', `${k} ${label}`, { fields });
  const pathOnly = t.path.split('?')[0];
  m.check(await send(w, t, e.method, { raw: 'not json' }), 400, 'invalid_json', `${k} not JSON`, { path: pathOnly });
  m.check(await send(w, t, e.method, { raw: '{"name": "x",' }), 400, 'invalid_json', `${k} truncated JSON`);
  const badUtf8 = Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('b"}')]);
  m.check(await send(w, t, e.method, { raw: badUtf8 }), 400, 'invalid_json', `${k} invalid UTF-8 bytes`);
  for (const raw of ['[]', `[${JSON.stringify(t.valid)}]`, 'null', '"text"', '42', 'true']) vf(await send(w, t, e.method, { raw }), `body ${raw.slice(0, 20)}`);
  m.check(await send(w, t, e.method, { raw: JSON.stringify(t.valid), headers: { 'Content-Type': 'text/plain' } }), 415, 'unsupported_media_type', `${k} text/plain`);
  m.check(await send(w, t, e.method, { raw: 'a=b', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type', `${k} form`);
  m.check(await send(w, t, e.method, { raw: JSON.stringify(t.valid), headers: { 'Content-Type': 'application/json; charset=iso-8859-1' } }), 415, 'unsupported_media_type', `${k} latin-1`);
  m.check(await send(w, t, e.method, { raw: Buffer.from(JSON.stringify(t.valid)), headers: { 'Content-Type': '' } }), 415, 'unsupported_media_type', `${k} no Content-Type`);
  // a field nested thousands of levels deep is JSON, but must not reach the recursive transformers (it gave a 500)
  const field = Object.keys(e.fields ?? {})[0] ?? 'x';
  const depth = t.limit < 8192 ? 1000 : 3000; // within the body cap
  vf(await send(w, t, e.method, { raw: `{"${field}":${'['.repeat(depth)}${']'.repeat(depth)}}` }), `field nested ${depth} deep`, ['body']);
  m.check(await send(w, t, e.method, { body: { ...t.valid, pad: 'y'.repeat(t.limit + 16) } }), 413, 'payload_too_large', `${k} over ${t.limit} bytes`);
  vf(await send(w, t, e.method, { body: { ...t.valid, zzUnknown: 1 } }), 'unknown field', ['zzUnknown']);
  // names every object inherits: a whitelist that only looks at the DTO instance lets them through
  vf(await send(w, t, e.method, { body: { ...t.valid, constructor: { prototype: { polluted: 1 } } } }), 'constructor key', ['constructor']);
  vf(await send(w, t, e.method, { raw: `{"__proto__":{"isAdmin":true}${Object.keys(t.valid).length ? ',' : ''}${JSON.stringify(t.valid).slice(1)}` }), '__proto__ key', ['__proto__']);
  vf(await send(w, t, e.method, { body: { ...t.valid, toString: 'x', hasOwnProperty: 1 } }), 'Object.prototype keys', ['toString', 'hasOwnProperty']);
  for (const [name, f] of Object.entries(e.fields ?? {})) {
    // invites.md §3.3 step 1: a join token that does not decode to the payload is invite_malformed, not validation_failed
    const refused = (res: Res, label: string) =>
      f.kind === 'token' ? m.check(res, 400, 'invite_malformed', `${k} ${label}`, { reason: 'malformed' }) : vf(res, label, [name]);
    for (const [label, bad] of badValues(name, f, t.valid[name])) refused(await send(w, t, e.method, { body: { ...t.valid, [name]: bad } }), `${name}: ${label}`);
    if (f.required) {
      const body = { ...t.valid };
      delete body[name];
      refused(await send(w, t, e.method, { body }), `${name}: missing`);
    }
  }
}

/** Missing or bad credentials and CSRF on one endpoint, with an otherwise valid body. */
async function sweepAuth(w: World, e: Endpoint, t: Target, m: Mismatches): Promise<void> {
  const k = `${e.method} ${e.path}`;
  const body = t.valid;
  const origin = new URL(w.base).origin;
  if (e.auth === 'public') {
    if (e.path.includes('claim') || e.path.endsWith('/join')) {
      const fake = `cmpat_${'A'.repeat(40)}`;
      m.check(await http(w.base, e.method, t.path, { body, headers: { Authorization: `Bearer ${fake}` } }), 401, 'unauthenticated', `${k} unknown PAT`);
    } else {
      m.check(await http(w.base, e.method, t.path, { body, headers: { Origin: 'https://evil.example' } }), 403, 'csrf_failed', `${k} foreign Origin`);
    }
    return;
  }
  if (e.auth === 'hook') {
    m.check(await http(w.base, e.method, t.path, { body }), 401, 'unauthenticated', `${k} no token`);
    m.check(await http(w.base, e.method, t.path, { body, headers: { Authorization: `Bearer ${t.headers!['Authorization'].slice(7, -2)}xx` } }), 401, 'unauthenticated', `${k} bad MAC`);
    return;
  }
  const s = t.caller!;
  m.check(await http(w.base, e.method, t.path, { body }), 401, 'unauthenticated', `${k} no credential`);
  m.check(await http(w.base, e.method, t.path, { body, headers: { Authorization: `Bearer cmpat_${'Z'.repeat(40)}` } }), 401, 'unauthenticated', `${k} unknown PAT`);
  m.check(await http(w.base, e.method, t.path, { body, headers: { Authorization: 'Bearer nonsense' } }), 401, 'unauthenticated', `${k} malformed bearer`);
  m.check(await http(w.base, e.method, t.path, { body, headers: { Cookie: 'cm_session=forged; XSRF-TOKEN=x', 'X-XSRF-TOKEN': 'x' } }), 401, 'unauthenticated', `${k} forged session`);
  const cookie = s.cookie!;
  const onlySession = cookie.split('; ').filter((c) => c.startsWith('cm_session=')).join('; ');
  m.check(await http(w.base, e.method, t.path, { body, headers: { Cookie: cookie } }), 403, 'csrf_failed', `${k} no XSRF header`);
  m.check(await http(w.base, e.method, t.path, { body, headers: { Cookie: cookie, 'X-XSRF-TOKEN': `${s.xsrf}x` } }), 403, 'csrf_failed', `${k} wrong XSRF header`);
  m.check(await http(w.base, e.method, t.path, { body, headers: { Cookie: onlySession, 'X-XSRF-TOKEN': s.xsrf! } }), 403, 'csrf_failed', `${k} XSRF cookie missing`);
  m.check(await http(w.base, e.method, t.path, { body, headers: { Cookie: cookie, 'X-XSRF-TOKEN': s.xsrf!, Origin: 'https://evil.example' } }), 403, 'csrf_failed', `${k} foreign Origin`);
  if (origin) m.check(await http(w.base, e.method, t.path, { body, headers: { Cookie: cookie, 'X-XSRF-TOKEN': s.xsrf!, Origin: `${origin}.evil.example` } }), 403, 'csrf_failed', `${k} look-alike Origin`);
  if (e.auth === 'session' && s.pat) m.check(await http(w.base, e.method, t.path, { body, headers: { Authorization: `Bearer ${s.pat}` } }), 403, 'session_required', `${k} PAT`);
}

export function bodyTests(world: () => World): void {
  const ctx: { targets?: Map<string, Target>; peer?: TestPeer } = {};

  beforeAll(async () => {
    const w = world();
    await cryptoReady();
    const mesh = await freshMesh(w, 'sweep', 1);
    const inv = await w.mint({ maxUses: 1 }, 'admin', mesh.meshId);
    const mail = await w.mint({ email: 'sweep-guest@example.com' }, 'admin', mesh.meshId);
    const v1 = await w.mint({ version: 1 }, 'admin', mesh.meshId);
    // a throwaway account for the session-only endpoints (a wrongly accepted password change must not hurt others)
    const made = await must(as(w.base, w.p.instanceAdmin, 'POST', '/api/admin/accounts', { body: { email: 'sweeper@example.com', displayName: 'Sweeper', password: PASSWORD } }), 201, 'sweeper');
    const sweeper = await signIn(w.base, 'nonMember', 'sweeper@example.com', made.body.id);
    const tokenId = (await must(as(w.base, sweeper, 'POST', '/api/tokens', { via: 'session', body: { name: 'victim' } }), 201, 'victim token')).body.id;
    const peer = mesh.peers[0];
    ctx.peer = await connectPeer(w.base, { meshId: mesh.meshId, memberId: peer.memberId, displayName: 'peer-0', keys: { publicKey: peer.claimant.pubkey, secretKey: hex(peer.claimant.secretKey) } });
    const claimant = newClaimant();
    const joiner = newClaimant();
    const M = `/api/meshes/${mesh.meshId}`;
    const owner = await withFreshPat(w.base, w.p.owner);
    const root = await withFreshPat(w.base, w.p.instanceAdmin);
    const t = (path: string, valid: Record<string, unknown>, caller?: Principal, extra: Partial<Target> = {}): Target => ({ path, valid, caller, limit: 64 * 1024, ...extra });
    ctx.targets = new Map<string, Target>([
      ['POST /api/auth/signup', t('/api/auth/signup', { email: 'fresh@example.com', password: PASSWORD, displayName: 'Fresh' })],
      ['POST /api/auth/login', t('/api/auth/login', { email: 'nobody@example.com', password: 'not the password' })],
      ['POST /api/auth/logout', t('/api/auth/logout', {}, sweeper, { via: 'session' })],
      ['POST /api/auth/password', t('/api/auth/password', { currentPassword: PASSWORD, newPassword: `${PASSWORD}!` }, sweeper, { via: 'session' })],
      ['POST /api/tokens', t('/api/tokens', { name: 'sweep', expiresInDays: 5 }, sweeper, { via: 'session' })],
      ['DELETE /api/tokens/:tokenId', t(`/api/tokens/${tokenId}`, {}, sweeper, { via: 'session' })],
      ['POST /api/admin/accounts', t('/api/admin/accounts', { email: 'made-sweep@example.com', displayName: 'Made', password: PASSWORD, isAdmin: false }, root)],
      ['PATCH /api/admin/accounts/:accountId', t(`/api/admin/accounts/${w.p.member.accountId}`, { isAdmin: false, disabled: false }, root)],
      ['POST /api/meshes', t('/api/meshes', { name: 'sweep' }, owner)],
      ['PATCH /api/meshes/:id', t(M, { name: 'sweep' }, owner)],
      ['POST /api/meshes/:id/archive', t(`${M}/archive`, {}, owner)],
      ['POST /api/meshes/:id/transfer', t(`${M}/transfer`, { email: 'nobody@example.com' }, owner)],
      ['POST /api/meshes/:id/rotate-root-key', t(`${M}/rotate-root-key`, {}, owner)],
      ['PATCH /api/meshes/:id/members/:memberId', t(`${M}/members/${peer.memberId}`, { role: 'member', displayName: 'peer-0', linkEmail: null }, owner)],
      ['DELETE /api/meshes/:id/members/:memberId', t(`${M}/members/${peer.memberId}`, {}, owner)],
      ['POST /api/meshes/:id/invites', t(`${M}/invites`, { version: 2, role: 'member', maxUses: 1, expiresInDays: 7, email: 'sweep-other@example.com' }, owner)],
      ['DELETE /api/meshes/:id/invites/:inviteId', t(`${M}/invites/${inv.id}`, {}, owner)],
      ['POST /api/meshes/:id/invites/:inviteId/resend', t(`${M}/invites/${mail.id}/resend`, {}, owner)],
      ['POST /api/public/invites/:code/claim', t(`/api/public/invites/${inv.code}/claim`, claimBody(inv.code, claimant))],
      ['POST /invites/:code/claim', t(`/invites/${inv.code}/claim`, claimBody(inv.code, claimant))],
      ['POST /api/public/join', t('/api/public/join', { invite_token: v1.token, peer_pubkey: joiner.pubkey, display_name: 'joiner', proof: joinProof(v1.token, joiner) })],
      [
        'POST /hook/set-status',
        t('/hook/set-status', { status: 'working', sessionId: ctx.peer.sessionId }, undefined, { headers: { Authorization: `Bearer ${ctx.peer.welcome.hookToken}` }, limit: 4 * 1024 }),
      ],
    ]);
  });
  afterAll(() => ctx.peer?.close());

  it('the sweep covers every body endpoint of the table', () => {
    const withBody = ENDPOINTS.filter((e) => e.fields).map((e) => `${e.method} ${e.path}`);
    expect([...ctx.targets!.keys()].sort()).toEqual(withBody.sort());
  });

  for (const e of ENDPOINTS.filter((x) => x.fields)) {
    it(`C-API-2 ${e.method} ${e.path}: bad bodies and bad credentials get the contract's 4xx, the data is unchanged`, async () => {
      const w = world();
      const t = ctx.targets!.get(`${e.method} ${e.path}`)!;
      const m = new Mismatches();
      const before = await w.fingerprint();
      await sweepBody(w, e, t, m);
      await sweepAuth(w, e, t, m);
      if (e.auth === 'public' && !e.path.includes('claim') && !e.path.endsWith('/join')) {
        // signup and login: also from a fresh IP each time, so the 5/hour sign-up limit is not what answers
        m.expectStatus(await http(w.base, e.method, t.path, { body: { ...t.valid, email: 42 } }), 400, `${e.method} ${e.path} fresh IP`);
      }
      expect(await w.fingerprint()).toBe(before);
      m.assertNone();
    });
  }

  it('endpoints that take no fields accept an empty body and {} (api.md §1.1)', async () => {
    const w = world();
    const t = ctx.targets!.get('POST /api/meshes/:id/rotate-root-key')!;
    const a = await send(w, t, 'POST', {});
    const b = await send(w, t, 'POST', { body: {} });
    expect([a.status, b.status, b.body.epoch - a.body.epoch]).toEqual([200, 200, 1]);
    const hook = await http(w.base, 'POST', '/hook/set-status', { body: { status: 'dnd', sessionId: randomUUID() }, headers: { Authorization: `Bearer ${ctx.peer!.welcome.hookToken}` } });
    expect([hook.status, hook.body?.error?.code]).toEqual([409, 'session_mismatch']);
  });
}
