/**
 * Query and path parameters (api.md §1.1, §1.5, security.md §6): out-of-range and non-decimal limits, forged and
 * foreign cursors, unknown parameters on every endpoint, malformed path ids (404 like unknown ones) and malformed
 * invite codes; plus paging that walks a whole list without gaps or duplicates.
 */
import { expectError, Mismatches } from './rest-assert';
import { ENDPOINTS } from './rest-endpoints';
import { as, freshMesh, http, must, type Principal, type Res, type World } from './rest-world';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');

/** Replaces one character of the id inside a real cursor: a well-formed cursor naming no row of the list. */
function editedCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const last = text.slice(-1);
  return b64(text.slice(0, -1) + (last === 'A' ? 'B' : 'A'));
}

interface List {
  name: string;
  path: string;
  who: Principal;
  via?: 'session' | 'pat';
}

export function paramTests(world: () => World): void {
  let lists: List[];
  let meshCursor: string;

  beforeAll(async () => {
    const w = world();
    const M = `/api/meshes/${w.meshId}`;
    lists = [
      { name: 'tokens', path: '/api/tokens', who: w.p.owner, via: 'session' },
      { name: 'accounts', path: '/api/admin/accounts', who: w.p.instanceAdmin },
      { name: 'meshes', path: '/api/meshes', who: w.p.owner },
      { name: 'members', path: `${M}/members`, who: w.p.owner },
      { name: 'invites', path: `${M}/invites`, who: w.p.owner },
      { name: 'mail-outbox', path: '/api/mail-outbox', who: w.p.instanceAdmin },
    ];
    // every list needs two pages: more meshes, tokens and a stored mail
    for (const n of ['paging-1', 'paging-2']) await must(as(w.base, w.p.owner, 'POST', '/api/meshes', { body: { name: n } }), 201, 'paging mesh');
    await must(as(w.base, w.p.owner, 'POST', '/api/tokens', { via: 'session', body: { name: 'paging' } }), 201, 'paging token');
    for (const e of ['page-a@example.com', 'page-b@example.com']) await w.mint({ email: e });
    meshCursor = (await as(w.base, w.p.owner, 'GET', '/api/meshes?limit=1')).body.nextCursor;
  });

  it('C-API-2 list queries: limits out of 1–200 or not decimal, forged, edited and foreign cursors, unknown or repeated parameters → 400 naming the parameter', async () => {
    const w = world();
    const m = new Mismatches();
    const before = await w.fingerprint();
    for (const l of lists) {
      const get = (q: string) => as(w.base, l.who, 'GET', `${l.path}${l.path.includes('?') ? '&' : '?'}${q}`, { via: l.via });
      const first = await get('limit=1');
      m.expectStatus(first, 200, `${l.name} limit=1`);
      const cursor: string = first.body?.nextCursor;
      if (typeof cursor !== 'string') m.add(`${l.name}: limit=1 gave no nextCursor (${first.text.slice(0, 120)})`);
      const cases: [string, string][] = [
        ['limit=0', 'limit'], ['limit=201', 'limit'], ['limit=-1', 'limit'], ['limit=abc', 'limit'], ['limit=1.5', 'limit'], ['limit=', 'limit'],
        ['limit=%2B5', 'limit'], ['limit=%205', 'limit'], ['limit=1e2', 'limit'], ['limit=0x10', 'limit'], ['limit=1&limit=2', 'limit'],
        ['limit=99999999999999999999', 'limit'], ['cursor=!!!', 'cursor'], ['cursor=', 'cursor'], ['cursor=%00', 'cursor'],
        [`cursor=${b64('c1:short')}`, 'cursor'], [`cursor=${'A'.repeat(300)}`, 'cursor'], ['zzUnknown=1', 'zzUnknown'],
        ...(cursor ? ([[`cursor=${cursor.slice(0, -3)}`, 'cursor'], [`cursor=${editedCursor(cursor)}`, 'cursor']] as [string, string][]) : []),
        ...(l.name !== 'meshes' ? ([[`cursor=${meshCursor}`, 'cursor']] as [string, string][]) : []),
      ];
      for (const [q, field] of cases) m.check(await get(q), 400, 'validation_failed', `${l.name} ?${q.slice(0, 40)}`, { fields: [field] });
      m.expectStatus(await get('limit=200'), 200, `${l.name} limit=200`);
      if (cursor) m.expectStatus(await get(`cursor=${cursor}`), 200, `${l.name} real cursor`);
    }
    const M = `/api/meshes/${w.meshId}`;
    const more: [Principal, string, string][] = [
      [w.p.owner, '/api/meshes?archived=yes', 'archived'], [w.p.owner, '/api/meshes?archived=1', 'archived'], [w.p.owner, `/api/meshes?q=${'x'.repeat(81)}`, 'q'],
      [w.p.owner, '/api/meshes?q=%07', 'q'], [w.p.owner, `${M}/members?includeRemoved=TRUE`, 'includeRemoved'], [w.p.owner, `${M}/invites?status=bogus`, 'status'],
      [w.p.owner, `${M}/invites?status=VALID`, 'status'], [w.p.instanceAdmin, '/api/mail-outbox?status=bogus', 'status'], [w.p.owner, '/api/mail-outbox', 'meshId'],
      [w.p.instanceAdmin, `/api/admin/accounts?q=${'x'.repeat(255)}`, 'q'], [w.p.owner, `${M}/audit?limit=0`, 'limit'], [w.p.owner, `${M}/audit?limit=201`, 'limit'],
      [w.p.owner, `${M}/audit?before=0`, 'before'], [w.p.owner, `${M}/audit?before=-1`, 'before'], [w.p.owner, `${M}/audit?before=abc`, 'before'],
      [w.p.owner, `${M}/audit?before=1.5`, 'before'], [w.p.owner, `${M}/audit?type=MEMBER.`, 'type'], [w.p.owner, `${M}/audit?type=${'a'.repeat(41)}`, 'type'],
      [w.p.owner, `${M}/audit?type=member%20`, 'type'], [w.p.owner, `${M}/audit?cursor=abc`, 'cursor'], [w.p.owner, `${M}/audit?zz=1`, 'zz'],
    ];
    for (const [who, path, field] of more) m.check(await as(w.base, who, 'GET', path), 400, 'validation_failed', `${path.slice(0, 90)}`, { fields: [field] });
    m.check(await as(w.base, w.p.member, 'GET', `${M}/members?includeRemoved=true`), 403, 'forbidden', 'member includeRemoved=true');
    m.check(await as(w.base, w.p.member, 'GET', `/api/mail-outbox?meshId=${w.meshId}`), 403, 'forbidden', 'member mail-outbox');
    m.check(await as(w.base, w.p.owner, 'GET', `/api/mail-outbox?meshId=${w.otherMeshId}`), 404, 'not_found', "mail-outbox of another's mesh");
    m.check(await as(w.base, w.p.owner, 'GET', '/api/mail-outbox?meshId=abc'), 404, 'not_found', 'mail-outbox malformed meshId');
    expect(await w.fingerprint()).toBe(before);
    m.assertNone();
  });

  it('C-API-2 unknown query parameters are refused on every /api endpoint, including those without a query, and nothing changes', async () => {
    const w = world();
    const m = new Mismatches();
    const inv = await w.mint({ maxUses: 1 });
    const before = await w.fingerprint();
    const M = `/api/meshes/${w.meshId}`;
    const probes: [Principal | null, string, string, unknown?][] = [
      [null, 'GET', '/api/public/config'], [w.p.owner, 'GET', '/api/auth/me'], [w.p.owner, 'GET', M], [w.p.owner, 'GET', `${M}/audit/verify`],
      [null, 'GET', `/api/public/invites/${inv.code}`], [null, 'GET', `/api/public/invite-code/${inv.code}`],
      [w.p.owner, 'POST', '/api/meshes', { name: 'query-probe' }], [w.p.owner, 'PATCH', M, { name: 'renamed by a query probe' }],
      [w.p.owner, 'POST', `${M}/invites`, {}], [w.p.owner, 'POST', `${M}/rotate-root-key`, {}], [w.p.owner, 'DELETE', `${M}/invites/${inv.id}`],
      [null, 'POST', `/api/public/invites/${inv.code}/claim`, {}], [null, 'POST', '/api/auth/login', { email: 'owner@example.com', password: 'x' }],
    ];
    for (const [who, method, path, body] of probes) {
      const res = who ? await as(w.base, who, method, `${path}?zzUnknown=1`, { body }) : await http(w.base, method, `${path}?zzUnknown=1`, { body });
      m.check(res, 400, 'validation_failed', `${method} ${path}?zzUnknown=1`, { fields: ['zzUnknown'] });
    }
    m.check(await http(w.base, 'GET', `${M}?zzUnknown=1`), 401, 'unauthenticated', 'a credential is still checked first');
    expect(await w.fingerprint()).toBe(before);
    m.assertNone();
  });

  it('C-API-16 / api.md §1.5: walking every list page by page gives the whole list, in its order, without duplicates', async () => {
    const w = world();
    for (const l of lists) {
      const all = await as(w.base, l.who, 'GET', `${l.path}?limit=200`, { via: l.via });
      const seen: any[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 50; i++) {
        const r: Res = await as(w.base, l.who, 'GET', `${l.path}?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { via: l.via });
        expect([l.name, r.status, r.body.data.length <= 2]).toEqual([l.name, 200, true]);
        seen.push(...r.body.data);
        cursor = r.body.nextCursor;
        if (cursor === null) break;
      }
      expect([l.name, seen.map((x) => x.id)]).toEqual([l.name, all.body.data.map((x: any) => x.id)]);
      expect(new Set(seen.map((x) => x.id)).size).toBe(seen.length);
      expect(seen.length).toBeGreaterThanOrEqual(2);
    }
    // the audit log pages with before / nextBefore (api.md §6)
    const M = `/api/meshes/${w.meshId}/audit`;
    const full = (await as(w.base, w.p.owner, 'GET', `${M}?limit=200`)).body.data.map((e: any) => e.seq);
    const walked: number[] = [];
    let before: number | null = null;
    for (let i = 0; i < 100; i++) {
      const r: Res = await as(w.base, w.p.owner, 'GET', `${M}?limit=3${before ? `&before=${before}` : ''}`);
      walked.push(...r.body.data.map((e: any) => e.seq));
      before = r.body.nextBefore;
      if (before === null) break;
    }
    expect(walked).toEqual(full);
    expect(full).toEqual([...full].sort((a, b) => b - a));
  });

  it('api.md §1.1: a malformed path id answers 404 not_found exactly like an unknown one, on every endpoint with ids', async () => {
    const w = world();
    const m = new Mismatches();
    const scratch = await freshMesh(w, 'ids', 1);
    const inv = await w.mint({}, 'admin', scratch.meshId);
    const tokenId = (await as(w.base, w.p.owner, 'GET', '/api/tokens', { via: 'session' })).body.data[0].id;
    const real: Record<string, string> = { id: scratch.meshId, memberId: scratch.peers[0].memberId, inviteId: inv.id, tokenId, accountId: w.p.member.accountId! };
    const bodies: Record<string, unknown> = {
      'PATCH /api/admin/accounts/:accountId': { isAdmin: false }, 'PATCH /api/meshes/:id': { name: 'x' }, 'POST /api/meshes/:id/transfer': { email: 'nobody@example.com' },
      'PATCH /api/meshes/:id/members/:memberId': { displayName: 'x' }, 'POST /api/meshes/:id/invites': {}, 'POST /api/meshes/:id/archive': {},
      'POST /api/meshes/:id/rotate-root-key': {}, 'POST /api/meshes/:id/invites/:inviteId/resend': {},
    };
    const bad = ['short', 'A'.repeat(31), 'A'.repeat(33), `${'A'.repeat(31)}-`, `${'A'.repeat(31)}_`, '%00', '%E0%A4%A', encodeURIComponent('é'.repeat(32)), 'a'.repeat(600)];
    const before = await w.fingerprint();
    for (const e of ENDPOINTS.filter((x) => /:(id|memberId|inviteId|tokenId|accountId)\b/.test(x.path))) {
      const key = `${e.method} ${e.path}`;
      const who = e.path.startsWith('/api/admin') ? w.p.instanceAdmin : w.p.owner;
      const via = e.auth === 'session' ? 'session' : 'pat';
      for (const param of [...e.path.matchAll(/:([A-Za-z]+)/g)].map((x) => x[1])) {
        const at = (b: string) => as(w.base, who, e.method, e.path.replace(/:([A-Za-z]+)/g, (_, p: string) => (p === param ? b : real[p])), { via, body: bodies[key] });
        const unknown = await at('Z'.repeat(32));
        m.check(unknown, 404, 'not_found', `${key} ${param} unknown`);
        for (const b of bad) {
          const res = await at(b);
          m.check(res, 404, 'not_found', `${key} ${param}=${b.slice(0, 20)}`);
          if (res.body?.error?.message !== unknown.body?.error?.message) m.add(`${key} ${param}=${b.slice(0, 20)}: message differs from an unknown id's`);
        }
      }
    }
    // a valid id of another mesh's row, under this mesh, is unknown too
    m.check(await as(w.base, w.p.owner, 'DELETE', `/api/meshes/${w.meshId}/invites/${inv.id}`), 404, 'not_found', 'invite of another mesh');
    m.check(await as(w.base, w.p.owner, 'PATCH', `/api/meshes/${w.meshId}/members/${scratch.peers[0].memberId}`, { body: { displayName: 'x' } }), 404, 'not_found', 'member of another mesh');
    m.check(await as(w.base, w.p.admin, 'DELETE', `/api/tokens/${tokenId}`, { via: 'session' }), 404, 'not_found', "another account's token");
    expect(await w.fingerprint()).toBe(before);
    m.assertNone();
  });

  it('invites.md §2: invite code parameters — malformed → 400 invite_malformed, well formed but unknown → 404 invite_not_found', async () => {
    const w = world();
    const m = new Mismatches();
    for (const code of ['ab$', 'a'.repeat(65), '%00', 'ab%20cd', encodeURIComponent('ä'), 'ab.cd']) {
      m.check(await http(w.base, 'POST', `/api/public/invites/${code}/claim`, { body: {} }), 400, 'invite_malformed', `claim ${code}`, { reason: 'malformed' });
      m.check(await http(w.base, 'POST', `/invites/${code}/claim`, { body: {} }), 400, 'invite_malformed', `claim alias ${code}`, { reason: 'malformed' });
      m.check(await http(w.base, 'GET', `/api/public/invite-code/${code}`), 400, 'invite_malformed', `invite-code ${code}`);
      m.check(await http(w.base, 'GET', `/api/public/invites/${code}`), 400, 'invite_malformed', `landing ${code}`);
    }
    for (const code of ['nonexistent', 'a', 'Z'.repeat(64), '00000000']) {
      m.check(await http(w.base, 'GET', `/api/public/invite-code/${code}`), 404, 'invite_not_found', `invite-code ${code}`);
      m.check(await http(w.base, 'GET', `/api/public/invites/${code}`), 404, 'invite_not_found', `landing ${code}`);
    }
    m.assertNone();
  });

  it('C-API-1 / C-API-15: the request id is echoed when well formed and replaced otherwise; unknown /api paths and methods are 404 in the error shape', async () => {
    const w = world();
    const mine = await http(w.base, 'GET', '/api/nope', { headers: { 'X-Request-Id': 'conformance-0001' } });
    expectError(mine, 404, 'not_found', 'unknown path', { path: '/api/nope' });
    expect(mine.body.requestId).toBe('conformance-0001');
    for (const bad of ['short', 'has space in it', 'x'.repeat(65), 'semi;colon-1234']) {
      const r = await http(w.base, 'GET', '/api/nope', { headers: { 'X-Request-Id': bad } });
      expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(r.body.requestId).toBe(r.headers.get('x-request-id'));
    }
    expectError(await as(w.base, w.p.owner, 'PUT', `/api/meshes/${w.meshId}`, { body: { name: 'x' } }), 404, 'not_found', 'PUT');
    expectError(await as(w.base, w.p.owner, 'GET', '/api/meshes/x/y/z'), 404, 'not_found', 'deep unknown path');
    const ok = await as(w.base, w.p.owner, 'GET', '/api/auth/me');
    expect([ok.headers.get('cache-control'), ok.headers.get('x-request-id')?.length ? 'id' : null]).toEqual(['no-store', 'id']);
  });
}
