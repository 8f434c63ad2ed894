/**
 * Accounts, sessions and tokens as an integrator meets them (api.md §1.2, §1.3, §2): the cookies' attributes, a new
 * session per login, logout and password changes ending sessions, revoked, expired and disabled credentials, and the
 * admin changes that would lock the instance out.
 */
import { expectError } from './rest-assert';
import { as, http, must, PASSWORD, signIn, type Principal, type World } from './rest-world';

/** name → attributes (lowercased) of every Set-Cookie. */
function setCookies(h: Headers): Record<string, { value: string; attrs: string[] }> {
  const out: Record<string, { value: string; attrs: string[] }> = {};
  for (const c of h.getSetCookie()) {
    const [pair, ...attrs] = c.split(';').map((x) => x.trim());
    const i = pair.indexOf('=');
    out[pair.slice(0, i)] = { value: pair.slice(i + 1), attrs: attrs.map((a) => a.toLowerCase()) };
  }
  return out;
}

async function newAccount(w: World, email: string, isAdmin = false): Promise<Principal> {
  const made = await must(as(w.base, w.p.instanceAdmin, 'POST', '/api/admin/accounts', { body: { email, displayName: email.split('@')[0], password: PASSWORD, isAdmin } }), 201, email);
  return signIn(w.base, 'nonMember', email, made.body.id);
}

export function accountTests(world: () => World): void {
  it('api.md §1.2/§1.3: login sets cm_session (httpOnly, SameSite=Lax, Path=/, 32 random bytes) and a readable XSRF-TOKEN; every login is a new session', async () => {
    const w = world();
    const a = await http(w.base, 'POST', '/api/auth/login', { body: { email: 'owner@example.com', password: PASSWORD } });
    const b = await http(w.base, 'POST', '/api/auth/login', { body: { email: 'OWNER@example.com ', password: PASSWORD } });
    expect([a.status, b.status, a.headers.get('cache-control')]).toEqual([200, 200, 'no-store']);
    const [ca, cb] = [setCookies(a.headers), setCookies(b.headers)];
    expect(ca['cm_session'].value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(ca['cm_session'].attrs).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/']));
    expect(ca['cm_session'].attrs).not.toContain('secure'); // PUBLIC_URL is http here
    expect(ca['XSRF-TOKEN'].attrs).not.toContain('httponly');
    expect(cb['cm_session'].value).not.toBe(ca['cm_session'].value);
    expect(a.body.account).toEqual({ id: w.p.owner.accountId, email: 'owner@example.com', displayName: 'owner', isAdmin: false, createdAt: expect.stringMatching(/\.\d{3}Z$/) });
    // the database holds only the SHA-256 of the session token
    const rows = JSON.stringify(await w.t.dataSource.query('SELECT * FROM mesh.auth_session'));
    expect(rows).not.toContain(decodeURIComponent(ca['cm_session'].value));
    // me refreshes the XSRF cookie for sessions, and says how the caller authenticated
    const cookie = `cm_session=${ca['cm_session'].value}`;
    const me = await http(w.base, 'GET', '/api/auth/me', { headers: { Cookie: cookie } });
    expect([me.status, me.body.auth, setCookies(me.headers)['XSRF-TOKEN']?.value]).toEqual([200, 'session', ca['XSRF-TOKEN'].value]);
    expect((await as(w.base, w.p.owner, 'GET', '/api/auth/me')).body.auth).toBe('token');
    // a bearer wins over a cookie: a bad bearer with a good cookie is 401
    expectError(await http(w.base, 'GET', '/api/auth/me', { headers: { Cookie: cookie, Authorization: 'Bearer cmpat_x' } }), 401, 'unauthenticated', 'bearer wins');
  });

  it('api.md §2: a wrong password and an unknown email get the same 401 invalid_credentials body; logout ends the session and clears both cookies', async () => {
    const w = world();
    const wrong = await http(w.base, 'POST', '/api/auth/login', { body: { email: 'owner@example.com', password: 'not the password' } });
    const unknown = await http(w.base, 'POST', '/api/auth/login', { body: { email: 'nobody@example.com', password: 'not the password' } });
    expectError(wrong, 401, 'invalid_credentials', 'wrong password');
    expect(unknown.body.error).toEqual(wrong.body.error);
    const p = await signIn(w.base, 'owner', 'owner@example.com', w.p.owner.accountId!);
    const out = await as(w.base, p, 'POST', '/api/auth/logout', { via: 'session' });
    const cleared = setCookies(out.headers);
    expect([out.status, cleared['cm_session']?.value, cleared['XSRF-TOKEN']?.value]).toEqual([204, '', '']);
    expectError(await as(w.base, p, 'GET', '/api/auth/me', { via: 'session' }), 401, 'unauthenticated', 'after logout');
    expect((await as(w.base, p, 'GET', '/api/auth/me')).status).toBe(200); // its PAT lives on
  });

  it('C-API-5: revoked and expired PATs get 401; a password change ends the other sessions (wrong current password → 401 invalid_credentials)', async () => {
    const w = world();
    const p = await newAccount(w, 'pat-holder@example.com');
    const extra = await must(as(w.base, p, 'POST', '/api/tokens', { via: 'session', body: { name: 'short', expiresInDays: 1 } }), 201, 'pat');
    expect(Date.parse(extra.body.expiresAt) - Date.parse(extra.body.createdAt)).toBeGreaterThan(86_399_000);
    const viaExtra = { ...p, pat: extra.body.token };
    expect((await as(w.base, viaExtra, 'GET', '/api/meshes')).status).toBe(200);
    await w.t.dataSource.query(`UPDATE mesh.personal_access_token SET expires_at = now() - interval '1 second' WHERE id = $1`, [extra.body.id]);
    expectError(await as(w.base, viaExtra, 'GET', '/api/meshes'), 401, 'unauthenticated', 'expired PAT');
    const listed = (await as(w.base, p, 'GET', '/api/tokens', { via: 'session' })).body.data;
    expect(JSON.stringify(listed)).not.toMatch(/cmpat_[0-9A-Za-z]{40}/);
    const mine = listed.find((t: any) => t.name === `nonMember pat`);
    expect((await as(w.base, p, 'DELETE', `/api/tokens/${mine.id}`, { via: 'session' })).status).toBe(204);
    expectError(await as(w.base, p, 'GET', '/api/meshes'), 401, 'unauthenticated', 'revoked PAT');
    expect((await as(w.base, p, 'GET', '/api/tokens', { via: 'session' })).body.data.some((t: any) => t.id === mine.id)).toBe(false);
    // (revoking it again is 204 here: api.md does not say whether a revoked token counts as unknown)

    const second = await signIn(w.base, 'nonMember', 'pat-holder@example.com', p.accountId!);
    expectError(await as(w.base, p, 'POST', '/api/auth/password', { via: 'session', body: { currentPassword: 'wrong password!', newPassword: 'a new password 1' } }), 401, 'invalid_credentials', 'wrong current');
    expect((await as(w.base, p, 'POST', '/api/auth/password', { via: 'session', body: { currentPassword: PASSWORD, newPassword: 'a new password 1' } })).status).toBe(204);
    expect((await as(w.base, p, 'GET', '/api/auth/me', { via: 'session' })).status).toBe(200);
    expectError(await as(w.base, second, 'GET', '/api/auth/me', { via: 'session' }), 401, 'unauthenticated', 'other session after password change');
    expectError(await http(w.base, 'POST', '/api/auth/login', { body: { email: 'pat-holder@example.com', password: PASSWORD } }), 401, 'invalid_credentials', 'old password');
  });

  it('api.md §2.2: disabling an account revokes its sessions and PATs (401) and refuses its login (403 account_disabled); self-changes are refused (409 cannot_modify_self)', async () => {
    const w = world();
    const p = await newAccount(w, 'to-disable@example.com');
    const r = await as(w.base, w.p.instanceAdmin, 'PATCH', `/api/admin/accounts/${p.accountId}`, { body: { disabled: true } });
    expect([r.status, typeof r.body.disabledAt]).toEqual([200, 'string']);
    expectError(await as(w.base, p, 'GET', '/api/auth/me'), 401, 'unauthenticated', 'PAT of a disabled account');
    expectError(await as(w.base, p, 'GET', '/api/auth/me', { via: 'session' }), 401, 'unauthenticated', 'session of a disabled account');
    expectError(await http(w.base, 'POST', '/api/auth/login', { body: { email: 'to-disable@example.com', password: PASSWORD } }), 403, 'account_disabled', 'login');
    expect((await as(w.base, w.p.instanceAdmin, 'PATCH', `/api/admin/accounts/${p.accountId}`, { body: { disabled: false } })).body.disabledAt).toBeNull();
    expect((await http(w.base, 'POST', '/api/auth/login', { body: { email: 'to-disable@example.com', password: PASSWORD } })).status).toBe(200);
    expectError(await as(w.base, p, 'GET', '/api/auth/me'), 401, 'unauthenticated', 'PATs stay revoked after re-enabling');

    const root = w.p.instanceAdmin;
    expectError(await as(w.base, root, 'PATCH', `/api/admin/accounts/${root.accountId}`, { body: { isAdmin: false } }), 409, 'cannot_modify_self', 'own isAdmin');
    expectError(await as(w.base, root, 'PATCH', `/api/admin/accounts/${root.accountId}`, { body: { disabled: true } }), 409, 'cannot_modify_self', 'own disabled');
    // (last_admin cannot be reached by one admin alone: the only way to remove the last one is to change oneself)
    expect((await as(w.base, root, 'PATCH', `/api/admin/accounts/${root.accountId}`, { body: {} })).status).toBe(200);
  });
}
