import { randomBytes, randomInt } from 'node:crypto';
import { generateId } from '@claudemesh/shared/crypto';
import { claimBody, joinBody, newPeer } from '../../../server/src/invite/invite-test-kit';
import type { TestApp } from '../../../server/src/testing/test-app';
import { admitMembers, createMesh, http, signupOwner, startBroker, type Owner } from '../broker/harness';
import { RestClient } from '../support/rest-client';

/**
 * C-SEC-7, REST side (the socket side is broker/fuzz.e2e-spec.ts): 10 000 fuzzed requests over every endpoint, with
 * ids of both meshes, broken ids, wrong methods, broken bodies and bad credentials. None may answer 5xx, the server
 * must keep serving, and the rows of a mesh the fuzzing account cannot manage must not change at all.
 */
const TOTAL = 10_000;
const CONCURRENCY = 16;
/** Each PAT has its own 600/min bucket (security.md §5); enough of them keep most requests past the limiter. */
const PATS = 14;

type Endpoint = { method: string; path: string; body?: () => Record<string, unknown> };

function randomValue(depth = 0): unknown {
  switch (randomInt(13)) {
    case 0:
      return null;
    case 1:
      return randomInt(-1e9, 1e9) / (randomInt(2) ? 1 : 7);
    case 2:
      return randomBytes(randomInt(0, 40)).toString(randomInt(2) ? 'hex' : 'base64');
    case 3:
      return 'x'.repeat(randomInt(0, 3000));
    case 4:
      return randomInt(2) === 1;
    case 5:
      return depth > 2 ? [] : Array.from({ length: randomInt(0, 5) }, () => randomValue(depth + 1));
    case 6:
      return depth > 2 ? {} : Object.fromEntries(Array.from({ length: randomInt(0, 5) }, () => [randomBytes(3).toString('hex'), randomValue(depth + 1)]));
    case 7:
      return '\u0000\u0001\u007f' + '😀'.repeat(randomInt(0, 100));
    case 8:
      return Number.MAX_SAFE_INTEGER + randomInt(1, 1000);
    case 9:
      return '\ud800 lone surrogate';
    case 10:
      return String(randomInt(1000));
    case 11:
      return generateId();
    default:
      return '';
  }
}

/** A body that is close to valid, with one field broken or one unknown field added (sometimes left valid). */
function nearMiss(valid: Record<string, unknown>): Record<string, unknown> {
  const base = { ...valid };
  const keys = Object.keys(base);
  const r = randomInt(6);
  if (keys.length && r < 3) base[keys[randomInt(keys.length)]] = randomValue();
  else if (keys.length && r === 3) delete base[keys[randomInt(keys.length)]];
  else if (r === 4) base[['__proto__', 'constructor', 'extra', 'isAdmin', 'role', 'ownerAccountId'][randomInt(6)]] = randomValue();
  return base;
}

/** What goes into a path parameter: a real id of either mesh, a random id, or something broken. */
function param(real: string[]): string {
  const r = randomInt(10);
  if (r < 5) return real[randomInt(real.length)];
  if (r === 5) return generateId();
  return ['', '..', '%2e%2e', 'x'.repeat(randomInt(60, 400)), '%00', '%ZZ', encodeURIComponent('😀'), 'A'.repeat(31), '-1', "'; DROP TABLE x; --"][randomInt(10)];
}

/** Percent-encodes; a lone surrogate becomes its (invalid) UTF-8 bytes, which the server must refuse cleanly. */
function enc(v: string): string {
  try {
    return encodeURIComponent(v);
  } catch {
    return '%ED%A0%80';
  }
}

function query(): string {
  if (randomInt(3) > 0) return '';
  const keys = ['limit', 'before', 'cursor', 'status', 'type', 'meshId', 'includeRemoved', 'foo', 'limit'];
  const n = randomInt(1, 4);
  return '?' + Array.from({ length: n }, () => `${keys[randomInt(keys.length)]}=${enc(String(randomValue(3) ?? ''))}`).join('&');
}

describe('REST fuzzing (C-SEC-7 REST side)', () => {
  let app: TestApp;
  let bystander: Owner;
  let victimMesh: string;
  let ownMesh: string;
  const attackerPats: string[] = [];
  let real: string[] = [];

  /** Every row that belongs to the bystander or to the victim mesh, as JSON, ordered. */
  const snapshot = async (): Promise<string> => {
    const q = (sql: string, p: unknown[]) => app.dataSource.query(sql, p);
    const byMesh = ['mesh_root_key', 'member', 'invite', 'pending_invite', 'audit_event', 'mail_outbox', 'presence', 'message', 'delivery'];
    const parts: Record<string, unknown> = {
      account: await q(`SELECT * FROM mesh.account WHERE id = $1`, [bystander.accountId]),
      auth_session: await q(`SELECT * FROM mesh.auth_session WHERE account_id = $1 ORDER BY id`, [bystander.accountId]),
      personal_access_token: await q(`SELECT * FROM mesh.personal_access_token WHERE account_id = $1 ORDER BY id`, [bystander.accountId]),
      mesh: await q(`SELECT * FROM mesh.mesh WHERE id = $1 OR owner_account_id = $2 ORDER BY id`, [victimMesh, bystander.accountId]),
      instance: await q(`SELECT * FROM mesh.instance`, []),
    };
    for (const table of byMesh) parts[table] = await q(`SELECT * FROM mesh.${table} WHERE mesh_id = $1 ORDER BY 1, 2`, [victimMesh]);
    return JSON.stringify(parts);
  };

  beforeAll(async () => {
    app = await startBroker({ ALLOW_V1_INVITES: 'true' });
    bystander = await signupOwner(app, 'bystander@example.com');
    victimMesh = await createMesh(app, bystander, 'victim');
    await admitMembers(app, bystander, victimMesh, 2, 'victim-peer');
    const bystanderApi = Object.assign(new RestClient(app.baseUrl), { bearer: bystander.token });
    await bystanderApi.ok('POST', `/api/meshes/${victimMesh}/invites`, { version: 1 });
    await bystanderApi.ok('POST', `/api/meshes/${victimMesh}/invites`, { email: 'someone@example.com' });
    const victimInvites = (await bystanderApi.ok('GET', `/api/meshes/${victimMesh}/invites`)).data.map((i: { id: string }) => i.id);

    // The attacker: a plain member of the victim mesh (linked by its own claim), owner of a mesh of its own.
    const attacker = new RestClient(app.baseUrl);
    await bystanderApi.ok('POST', '/api/admin/accounts', { email: 'attacker@example.com', displayName: 'Mallory', password: 'correct horse battery' });
    await attacker.ok('POST', '/api/auth/login', { email: 'attacker@example.com', password: 'correct horse battery' });
    for (let i = 0; i < PATS; i++) attackerPats.push((await attacker.ok('POST', '/api/tokens', { name: `fuzz-${i}` })).token);
    const link = await bystanderApi.ok('POST', `/api/meshes/${victimMesh}/invites`, { maxUses: 1 });
    const linked = await http(app.baseUrl, 'POST', `/api/public/invites/${link.code}/claim`, { token: attackerPats[0], body: claimBody(link.code, newPeer(), 'mallory') });
    expect(linked.status).toBe(200);
    attacker.bearer = attackerPats[0];
    ownMesh = (await attacker.ok('POST', '/api/meshes', { name: 'own' })).id;
    const ownInvite = await attacker.ok('POST', `/api/meshes/${ownMesh}/invites`, { maxUses: 50 });
    const members = (await bystanderApi.ok('GET', `/api/meshes/${victimMesh}/members`)).data.map((m: { id: string }) => m.id);
    const attackerId = (await attacker.ok('GET', '/api/auth/me')).account.id;
    real = [victimMesh, ownMesh, ...members, ...victimInvites, ownInvite.id, ownInvite.code, bystander.accountId, attackerId, 'AbCd1234'];
  });
  afterAll(async () => app?.close());

  it('C-SEC-7: 10 000 fuzzed REST requests: no 5xx, the server keeps serving, no change to unrelated rows', async () => {
    const before = await snapshot();
    const P = () => param(real);
    const v1 = 'eyJ' + randomBytes(90).toString('base64url');
    const endpoints: Endpoint[] = [
      { method: 'POST', path: '/api/auth/signup', body: () => ({ email: `f${randomInt(1e6)}@example.com`, password: 'correct horse battery', displayName: 'F' }) },
      { method: 'POST', path: '/api/auth/login', body: () => ({ email: 'bystander@example.com', password: 'not the password' }) },
      { method: 'POST', path: '/api/auth/logout' },
      { method: 'GET', path: '/api/auth/me' },
      { method: 'POST', path: '/api/auth/password', body: () => ({ currentPassword: 'x'.repeat(12), newPassword: 'y'.repeat(12) }) },
      { method: 'GET', path: '/api/tokens' },
      { method: 'POST', path: '/api/tokens', body: () => ({ name: 'n', expiresInDays: 1 }) },
      { method: 'DELETE', path: '/api/tokens/:p' },
      { method: 'GET', path: '/api/admin/accounts' },
      { method: 'POST', path: '/api/admin/accounts', body: () => ({ email: 'x@example.com', displayName: 'X', password: 'correct horse battery' }) },
      { method: 'PATCH', path: '/api/admin/accounts/:p', body: () => ({ isAdmin: true }) },
      { method: 'GET', path: '/api/public/config' },
      { method: 'GET', path: '/api/meshes' },
      { method: 'POST', path: '/api/meshes', body: () => ({ name: 'fuzz' }) },
      { method: 'GET', path: '/api/meshes/:p' },
      { method: 'PATCH', path: '/api/meshes/:p', body: () => ({ name: 'renamed' }) },
      { method: 'POST', path: '/api/meshes/:p/archive' },
      { method: 'POST', path: '/api/meshes/:p/transfer', body: () => ({ accountId: real[randomInt(real.length)] }) },
      { method: 'POST', path: '/api/meshes/:p/rotate-root-key' },
      { method: 'GET', path: '/api/meshes/:p/members' },
      { method: 'PATCH', path: '/api/meshes/:p/members/:p', body: () => ({ role: 'admin', displayName: 'x', groups: ['g'] }) },
      { method: 'DELETE', path: '/api/meshes/:p/members/:p' },
      { method: 'GET', path: '/api/meshes/:p/audit' },
      { method: 'GET', path: '/api/meshes/:p/audit/verify' },
      { method: 'GET', path: '/api/meshes/:p/invites' },
      { method: 'POST', path: '/api/meshes/:p/invites', body: () => ({ maxUses: 2, role: 'member', expiresInDays: 1 }) },
      { method: 'DELETE', path: '/api/meshes/:p/invites/:p' },
      { method: 'POST', path: '/api/meshes/:p/invites/:p/resend' },
      { method: 'GET', path: '/api/mail-outbox' },
      { method: 'GET', path: '/api/public/invites/:p' },
      { method: 'GET', path: '/api/public/invite-code/:p' },
      { method: 'POST', path: '/api/public/invites/:p/claim', body: () => claimBody('AbCd1234', newPeer()) },
      { method: 'POST', path: '/invites/:p/claim', body: () => claimBody('AbCd1234', newPeer()) },
      { method: 'POST', path: '/api/public/join', body: () => joinBody(v1, newPeer()) },
      { method: 'GET', path: '/i/:p' },
      { method: 'POST', path: '/hook/set-status', body: () => ({ status: 'working', summary: 's' }) },
      { method: 'GET', path: '/health' },
      { method: 'GET', path: '/cli/version' },
      { method: 'GET', path: '/metrics' },
      { method: 'GET', path: '/api/nope/:p' },
    ];
    const statuses = new Map<number, number>();
    const fiveXx: string[] = [];
    const badShape: string[] = [];
    let done = 0;

    const one = async (): Promise<void> => {
      const ep = endpoints[randomInt(endpoints.length)];
      const method = randomInt(12) === 0 ? ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'][randomInt(7)] : ep.method;
      const path = ep.path.replace(/:p/g, () => P()) + query();
      const headers: Record<string, string> = { 'x-forwarded-for': `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}` };
      const auth = randomInt(10);
      if (auth < 6) headers.authorization = `Bearer ${attackerPats[randomInt(attackerPats.length)]}`;
      else if (auth === 6) headers.authorization = ['Bearer', 'Bearer cmpat_short', `Bearer cmpat_${'A'.repeat(40)}`, 'Basic Zm9vOmJhcg==', `Bearer cmh1.${generateId()}.${'A'.repeat(43)}`][randomInt(5)];
      else if (auth === 7) headers.cookie = [`cm_session=${randomBytes(32).toString('base64url')}`, 'cm_session=', `XSRF-TOKEN=x; cm_session=${'%'.repeat(10)}`][randomInt(3)];
      let body: string | Uint8Array<ArrayBuffer> | undefined;
      if (!['GET', 'HEAD'].includes(method) && randomInt(8) > 0) {
        const kind = randomInt(10);
        if (kind < 5 && ep.body) body = JSON.stringify(nearMiss(ep.body()));
        else if (kind < 7) body = JSON.stringify(randomValue());
        else if (kind === 7) body = ['{', '{"a":', 'null', '[]', '"s"', '{"a":1,"a":2}', '\u0000', '{"__proto__":{"x":1}}'][randomInt(8)];
        else if (kind === 8) body = new Uint8Array(randomBytes(randomInt(1, 2000)));
        else body = JSON.stringify({ big: 'x'.repeat(70 * 1024) });
        const ct = randomInt(10);
        headers['content-type'] = ct < 7 ? 'application/json' : ['text/plain', 'application/json; charset=latin1', 'application/x-www-form-urlencoded'][ct - 7];
      }
      let status = 0;
      let text = '';
      let contentType = '';
      try {
        const res = await fetch(app.baseUrl + path, { method, headers, body, redirect: 'manual' });
        status = res.status;
        contentType = res.headers.get('content-type') ?? '';
        text = method === 'HEAD' ? '' : await res.text();
      } catch (e) {
        // An URL fetch itself refuses (e.g. a malformed path) never reached the server; anything else is a failure.
        if (e instanceof TypeError && /Invalid URL|Failed to parse URL/.test(String(e.message))) return;
        fiveXx.push(`${method} ${path}: ${(e as Error).message}`);
        return;
      }
      done++;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500) fiveXx.push(`${method} ${path.slice(0, 120)} → ${status} ${text.slice(0, 200)}`);
      // every refusal is in the error shape of api.md §1.4 (HEAD answers carry no body)
      if (status >= 400 && method !== 'HEAD' && contentType.includes('application/json')) {
        let b: { error?: { code?: unknown }; statusCode?: unknown } | null = null;
        try {
          b = JSON.parse(text);
        } catch {
          /* recorded below */
        }
        if (typeof b?.error?.code !== 'string' || b.statusCode !== status) badShape.push(`${method} ${path.slice(0, 120)} → ${status} ${text.slice(0, 200)}`);
      }
    };

    let issued = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (issued < TOTAL) {
          issued++;
          await one();
        }
      }),
    );

    expect(fiveXx).toEqual([]);
    expect(badShape).toEqual([]);
    expect(done).toBeGreaterThanOrEqual(TOTAL * 0.99);
    // the requests reached the handlers: most were refused for their input or rights, not only rate limited
    const count = (s: number) => statuses.get(s) ?? 0;
    expect(count(400)).toBeGreaterThan(1000);
    expect(count(404)).toBeGreaterThan(500);
    expect(count(401) + count(403)).toBeGreaterThan(500);
    expect(count(429)).toBeLessThan(TOTAL / 4);
    // still serving, the bystander's mesh works, and none of its rows changed
    expect((await http(app.baseUrl, 'GET', '/health')).status).toBe(200);
    expect((await http(app.baseUrl, 'GET', `/api/meshes/${victimMesh}`, { token: bystander.token })).status).toBe(200);
    expect(await snapshot()).toEqual(before);
  }, 170_000);
});
