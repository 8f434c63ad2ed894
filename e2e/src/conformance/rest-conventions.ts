/**
 * api.md §1.1 conventions across many responses at once: times are ISO 8601 UTC with milliseconds, every response has
 * X-Request-Id, authenticated and public-invite responses are no-store, passwords are taken as sent (not trimmed),
 * and invite status follows the order of invites.md §6.1 in the list, the landing and the resolver alike.
 */
import { expectError } from './rest-assert';
import { setExpiry } from './rest-invites';
import { as, freshMesh, http, must, PASSWORD, type Res, type World } from './rest-world';

const ISO_MS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Every `…At` value in a JSON tree that is neither null nor ISO 8601 UTC with milliseconds. */
function badTimes(v: unknown, path = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => badTimes(x, `${path}[${i}]`));
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]) => {
    const here = `${path}.${k}`;
    if (/At$/.test(k) && x !== null && !(typeof x === 'string' && ISO_MS_UTC.test(x))) return [`${here}=${JSON.stringify(x)}`];
    return badTimes(x, here);
  });
}

export function conventionTests(world: () => World): void {
  it('api.md §1.1: times are ISO 8601 UTC with ms; X-Request-Id on every response; no-store on authenticated and public invite answers', async () => {
    const w = world();
    const inv = await w.mint({ email: 'conventions@example.com' }, 'admin');
    const M = `/api/meshes/${w.meshId}`;
    const authed: Res[] = [];
    for (const path of ['/api/auth/me', '/api/meshes', M, `${M}/members?includeRemoved=true`, `${M}/invites`, `${M}/audit`, `/api/mail-outbox?meshId=${w.meshId}`]) {
      authed.push(await as(w.base, w.p.owner, 'GET', path));
    }
    authed.push(await as(w.base, w.p.owner, 'GET', '/api/tokens', { via: 'session' }));
    authed.push(await as(w.base, w.p.instanceAdmin, 'GET', '/api/admin/accounts'));
    const pub = [await http(w.base, 'GET', `/api/public/invites/${inv.code}`), await http(w.base, 'GET', `/api/public/invite-code/${inv.code}`), await http(w.base, 'GET', `/i/${inv.code}`)];
    for (const r of [...authed, ...pub]) {
      expect([r.status < 400, r.headers.get('cache-control'), r.headers.get('x-request-id')?.length ? 'id' : null]).toEqual([true, 'no-store', 'id']);
      expect(badTimes(r.body)).toEqual([]);
    }
    for (const path of ['/health', '/health/ready', '/metrics', '/api/docs-json', '/api/public/config']) {
      expect([path, (await http(w.base, 'GET', path)).headers.get('x-request-id')?.length ? 'id' : null]).toEqual([path, 'id']);
    }
    expect(badTimes(inv)).toEqual([]);
  });

  it('api.md §1.1: passwords are taken as sent — surrounding spaces are part of the password, never trimmed', async () => {
    const w = world();
    const spaced = `  ${PASSWORD}  `;
    await must(as(w.base, w.p.instanceAdmin, 'POST', '/api/admin/accounts', { body: { email: 'spaced@example.com', displayName: ' Spaced ', password: spaced } }), 201, 'account');
    expectError(await http(w.base, 'POST', '/api/auth/login', { body: { email: 'spaced@example.com', password: PASSWORD } }), 401, 'invalid_credentials', 'trimmed password');
    const ok = await http(w.base, 'POST', '/api/auth/login', { body: { email: 'spaced@example.com', password: spaced } });
    expect([ok.status, ok.body.account.displayName]).toEqual([200, 'Spaced']);
  });

  it('api.md §5 / invites.md §6.1: an invite reports its own state in the order revoked → expired → exhausted (the mesh state stays in archivedAt)', async () => {
    const w = world();
    const mesh = await freshMesh(w, 'states', 0);
    const M = `/api/meshes/${mesh.meshId}/invites`;
    const all = await Promise.all([1, 2, 3, 4].map(() => w.mint({ maxUses: 1 }, 'admin', mesh.meshId)));
    const [rev, exp, exh, ok] = all;
    for (const inv of [rev, exp, exh]) expect((await w.claim(inv.code)).res.status).toBe(200);
    for (const inv of [rev, exp]) await setExpiry(w, inv.id, -5);
    await as(w.base, w.p.owner, 'DELETE', `${M}/${rev.id}`);
    const mine = new Set(all.map((i) => i.id)); // freshMesh's own invite is in the list too
    const ids = (rows: any[]) => rows.filter((r) => mine.has(r.id)).map((r) => r.id);
    const status = async () => {
      const rows = (await as(w.base, w.p.owner, 'GET', `${M}?limit=200`)).body.data.filter((r: any) => mine.has(r.id));
      return Object.fromEntries(rows.map((r: any) => [r.id, r.status]));
    };
    expect(await status()).toEqual({ [rev.id]: 'revoked', [exp.id]: 'expired', [exh.id]: 'exhausted', [ok.id]: 'valid' });
    for (const [filter, want] of [['revoked', rev], ['expired', exp], ['exhausted', exh], ['valid', ok]] as const) {
      expect([filter, ids((await as(w.base, w.p.owner, 'GET', `${M}?status=${filter}`)).body.data)]).toEqual([filter, [want.id]]);
    }
    expect(ids((await as(w.base, w.p.owner, 'GET', `${M}?status=all`)).body.data)).toHaveLength(4);
    const landing = await Promise.all(all.map((i) => http(w.base, 'GET', `/api/public/invites/${i.code}`)));
    expect(landing.map((r) => r.body.status)).toEqual(['revoked', 'expired', 'exhausted', 'valid']);
    await must(as(w.base, w.p.owner, 'POST', `/api/meshes/${mesh.meshId}/archive`), 200, 'archive');
    expect((await status())[ok.id]).toBe('valid');
    expect((await http(w.base, 'GET', `/api/public/invites/${ok.code}`)).body.status).toBe('mesh_archived');
    expect((await http(w.base, 'GET', `/api/public/invites/${rev.code}`)).body.status).toBe('revoked');
    expect((await http(w.base, 'GET', `/api/public/invites/${exp.code}`)).body.status).toBe('mesh_archived');
  });
}
