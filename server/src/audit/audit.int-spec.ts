import { DataSource } from 'typeorm';
import { createDataSource } from '@claudemesh/database';
import { cryptoReady, generateId } from '@claudemesh/shared/crypto';
import { auditHash, type AuditEntryInput, type AuditEvent, type AuditListResponse } from '@claudemesh/shared/protocol';
import { createTestApp, type TestApp } from '../testing/test-app';
import { rowToHashInput } from './audit.mapper';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';

/** A REST client holding one account's PAT (minted through its cookie session, as a user would). */
class Api {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  async get<T = unknown>(path: string, token: string | null = this.token): Promise<{ status: number; body: T; headers: Headers }> {
    const res = await fetch(this.baseUrl + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, body: (await res.json()) as T, headers: res.headers };
  }

  async post<T = unknown>(path: string, body: unknown): Promise<T> {
    const res = await fetch(this.baseUrl + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as T;
    if (res.status >= 300) throw new Error(`POST ${path} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  }
}

async function signupWithToken(baseUrl: string, email: string, setupToken: string | null): Promise<Api> {
  const res = await fetch(`${baseUrl}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'correct horse battery', displayName: email.split('@')[0], ...(setupToken ? { setupToken } : {}) }),
  });
  if (res.status !== 201) throw new Error(`signup → ${res.status} ${await res.text()}`);
  const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0]);
  const xsrf = cookies.find((c) => c.startsWith('XSRF-TOKEN='))!.slice('XSRF-TOKEN='.length);
  const pat = await fetch(`${baseUrl}/api/tokens`, {
    method: 'POST',
    headers: { cookie: cookies.join('; '), 'x-xsrf-token': decodeURIComponent(xsrf), 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'audit-test', expiresInDays: 1 }),
  });
  if (pat.status !== 201) throw new Error(`token → ${pat.status} ${await pat.text()}`);
  return new Api(baseUrl, ((await pat.json()) as { token: string }).token);
}

const entry = (i: number): AuditEntryInput => ({
  type: 'invite.revoked',
  actor: { kind: 'system', id: null, displayName: null },
  data: { inviteId: `writer-${i}` },
});

describe('audit chain (data-model.md §4, api.md §6)', () => {
  let t: TestApp;
  let owner: Api;
  let stranger: Api;
  let audit: AuditService;
  let repo: AuditRepository;

  const createMesh = async (name: string): Promise<string> => (await owner.post<{ id: string }>('/api/meshes', { name })).id;
  const chainRows = (meshId: string) => repo.pageAfter(t.dataSource.manager, meshId, 0, 100000);

  beforeAll(async () => {
    await cryptoReady();
    t = await createTestApp({ ALLOW_SIGNUP: 'true' });
    owner = await signupWithToken(t.baseUrl, 'owner@example.com', t.setupToken);
    stranger = await signupWithToken(t.baseUrl, 'stranger@example.com', null);
    audit = t.app.get(AuditService);
    repo = t.app.get(AuditRepository);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('C-DATA-12: a row read back from PostgreSQL hashes to its stored hash (no millisecond drift)', async () => {
    const meshId = await createMesh('roundtrip');
    // Many appends at different instants, so sub-second values (including .000 and .xx0) occur.
    for (let i = 0; i < 25; i++) {
      await audit.append(t.dataSource.manager, meshId, [entry(i)]);
      await new Promise((r) => setTimeout(r, 3));
    }
    const rows = await chainRows(meshId);
    expect(rows.length).toBe(26);
    expect(rows[0].type).toBe('mesh.created');
    for (const row of rows) expect(auditHash(rowToHashInput(meshId, row))).toBe(row.hash);
    const stored = await t.dataSource.query(
      `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS iso, created_at = date_trunc('milliseconds', created_at) AS ms
       FROM mesh.audit_event WHERE mesh_id = $1 ORDER BY seq`,
      [meshId],
    );
    expect(stored.map((s: { iso: string }) => s.iso)).toEqual(rows.map((r) => r.createdAt.toISOString()));
    expect(stored.every((s: { ms: boolean }) => s.ms)).toBe(true);
    // And through the API: the JSON shape alone is enough to recompute each hash.
    const page = await owner.get<AuditListResponse>(`/api/meshes/${meshId}/audit?limit=200`);
    expect(page.status).toBe(200);
    for (const e of page.body.data) {
      expect(e.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(auditHash({ meshId, ...e })).toBe(e.hash);
    }
  });

  it('C-DATA-9: 50 concurrent writers on two pools × 20 events give 1 000 consecutive seqs, and verify is valid', async () => {
    const meshId = await createMesh('concurrency');
    await audit.append(t.dataSource.manager, meshId, [entry(-1), entry(-2)]);
    const before = (await chainRows(meshId)).length;
    const url = t.config.databaseUrl!;
    const second: DataSource = createDataSource({ url, poolSize: 10 });
    await second.initialize();
    try {
      const pools = [t.dataSource, second];
      await Promise.all(
        Array.from({ length: 50 }, async (_, w) => {
          const ds = pools[w % 2];
          for (let k = 0; k < 20; k++) await ds.transaction((m) => audit.append(m, meshId, [entry(w * 100 + k)]));
        }),
      );
    } finally {
      await second.destroy();
    }
    const rows = await chainRows(meshId);
    expect(rows.length).toBe(before + 1000);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: before + 1000 }, (_, i) => i + 1));
    const writers = new Set(rows.filter((r) => r.type === 'invite.revoked').map((r) => r.data.inviteId));
    expect(writers.size).toBe(1002);
    const verify = await owner.get<Record<string, unknown>>(`/api/meshes/${meshId}/audit/verify`);
    expect(verify.status).toBe(200);
    expect(verify.body).toEqual({ valid: true, checked: before + 1000, headSeq: before + 1000, headHash: rows[rows.length - 1].hash });
  });

  it('appends wait for pg_advisory_xact_lock on the contract key (SHA-256 of "claudemesh:audit:<meshId>"), held by anyone', async () => {
    const meshId = await createMesh('lock key');
    const qr = t.dataSource.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      // The key computed by PostgreSQL from data-model.md §4, not by the server's advisoryKey().
      await qr.query(`SELECT pg_advisory_xact_lock(('x' || substr(encode(sha256(convert_to($1, 'UTF8')), 'hex'), 1, 16))::bit(64)::bigint)`, [
        `claudemesh:audit:${meshId}`,
      ]);
      let appended = false;
      const appending = audit.append(t.dataSource.manager, meshId, [entry(1)]).then(() => (appended = true));
      await new Promise((r) => setTimeout(r, 500));
      expect(appended).toBe(false);
      await qr.commitTransaction();
      await appending;
      expect((await chainRows(meshId)).map((r) => r.seq)).toEqual([1, 2]);
    } finally {
      if (qr.isTransactionActive) await qr.rollbackTransaction();
      await qr.release();
    }
  });

  it('appends nothing when the caller rolls back, and refuses content keys in data', async () => {
    const meshId = await createMesh('rollback');
    await expect(
      t.dataSource.transaction(async (m) => {
        await audit.append(m, meshId, [entry(1)]);
        throw new Error('caller failed');
      }),
    ).rejects.toThrow('caller failed');
    expect((await chainRows(meshId)).length).toBe(1);
    await expect(
      audit.append(t.dataSource.manager, meshId, [{ ...entry(2), type: 'message.sent', data: { messageId: 'x', ciphertext: 'AAAA' } }]),
    ).rejects.toThrow(/not metadata/);
    await audit.append(t.dataSource.manager, meshId, [entry(3)]);
    expect((await chainRows(meshId)).map((r) => r.seq)).toEqual([1, 2]);
  });

  it('C-API-16: paging with nextBefore until null gives the whole chain newest first, with no duplicates', async () => {
    const meshId = await createMesh('paging');
    await audit.append(
      t.dataSource.manager,
      meshId,
      Array.from({ length: 40 }, (_, i) => entry(i)),
    );
    const seen: AuditEvent[] = [];
    let before: number | null = null;
    let pages = 0;
    do {
      const q: string = `?limit=7${before === null ? '' : `&before=${before}`}`;
      const res = await owner.get<AuditListResponse>(`/api/meshes/${meshId}/audit${q}`);
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(7);
      seen.push(...res.body.data);
      before = res.body.nextBefore;
      pages += 1;
    } while (before !== null && pages < 100);
    expect(pages).toBe(6);
    expect(seen.map((e) => e.seq)).toEqual(Array.from({ length: 41 }, (_, i) => 41 - i));
    const all = await chainRows(meshId);
    expect([...seen].reverse()).toEqual(
      all.map((r) => ({
        seq: r.seq,
        type: r.type,
        actor: { kind: r.actorKind, id: r.actorId, displayName: r.actorDisplayName },
        data: r.data,
        createdAt: r.createdAt.toISOString(),
        prevHash: r.prevHash,
        hash: r.hash,
      })),
    );
    // The type prefix filters, and a page boundary exactly at the end answers nextBefore null.
    const meshOnly = await owner.get<AuditListResponse>(`/api/meshes/${meshId}/audit?type=mesh.`);
    expect(meshOnly.body.data.map((e) => e.type)).toEqual(['mesh.created']);
    expect(meshOnly.body.nextBefore).toBeNull();
    const underscore = await owner.get<AuditListResponse>(`/api/meshes/${meshId}/audit?type=invite_`);
    expect(underscore.body.data).toEqual([]); // `_` is literal, not a LIKE wildcard
    const exact = await owner.get<AuditListResponse>(`/api/meshes/${meshId}/audit?limit=41`);
    expect(exact.body.data.length).toBe(41);
    expect(exact.body.nextBefore).toBeNull();
    const defaults = await owner.get<AuditListResponse>(`/api/meshes/${meshId}/audit`);
    expect(defaults.body.data.length).toBe(41);
    const huge = await owner.get<AuditListResponse>(`/api/meshes/${meshId}/audit?before=9999999999&limit=1`);
    expect([huge.status, huge.body.data[0].seq, huge.body.nextBefore]).toEqual([200, 41, 41]);
  });

  it('refuses bad list queries with 400 validation_failed', async () => {
    const meshId = await createMesh('queries');
    for (const q of ['limit=0', 'limit=201', 'limit=abc', 'limit=5.5', 'limit=-1', 'before=0', 'before=x', 'type=Member.', 'type=' + 'a'.repeat(41), 'foo=1', 'limit=1&limit=2']) {
      const res = await owner.get<{ error: { code: string } }>(`/api/meshes/${meshId}/audit?${q}`);
      expect([q, res.status, res.body.error?.code]).toEqual([q, 400, 'validation_failed']);
    }
  });

  it('hides the audit of other meshes (404), needs a credential (401), and limits verify to 6/min per account (429)', async () => {
    const meshId = await createMesh('authz');
    for (const path of ['audit', 'audit/verify']) {
      const res = await stranger.get<{ error: { code: string } }>(`/api/meshes/${meshId}/${path}`);
      expect([path, res.status, res.body.error.code]).toEqual([path, 404, 'not_found']);
      const anon = await owner.get<{ error: { code: string } }>(`/api/meshes/${meshId}/${path}`, null);
      expect([path, anon.status]).toEqual([path, 401]);
      const malformed = await owner.get<{ error: { code: string } }>(`/api/meshes/not-an-id/${path}`);
      expect(malformed.status).toBe(404);
    }
    const unknown = await owner.get(`/api/meshes/${generateId()}/audit`);
    expect(unknown.status).toBe(404);
    // A fresh account has a full bucket of 6.
    const verifier = await signupWithToken(t.baseUrl, 'verifier@example.com', null);
    const other = await verifier.post<{ id: string }>('/api/meshes', { name: 'verifier mesh' });
    const statuses: number[] = [];
    let last: { status: number; headers: Headers; body: unknown } | null = null;
    for (let i = 0; i < 7; i++) {
      last = await verifier.get(`/api/meshes/${other.id}/audit/verify`);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((last!.body as { error: { code: string; details: { retryAfterMs: number } } }).error.code).toBe('rate_limited');
    expect((last!.body as { error: { details: { retryAfterMs: number } } }).error.details.retryAfterMs).toBeGreaterThan(0);
  });

  describe('C-DATA-10: tampering is found at exactly the broken link', () => {
    let meshId: string;
    const tamper = async (sql: string, params: unknown[]) => {
      await t.dataSource.transaction(async (m) => {
        await m.query('ALTER TABLE mesh.audit_event DISABLE TRIGGER audit_event_append_only');
        await m.query(sql, params);
        await m.query('ALTER TABLE mesh.audit_event ENABLE TRIGGER audit_event_append_only');
      });
    };

    beforeEach(async () => {
      meshId = await createMesh(`tamper ${Math.random()}`);
      await audit.append(
        t.dataSource.manager,
        meshId,
        Array.from({ length: 29 }, (_, i) => entry(i)),
      );
      expect(await audit.verify(meshId)).toMatchObject({ valid: true, checked: 30, headSeq: 30 });
    });

    it('editing one data value → hash_mismatch at that seq', async () => {
      await tamper(`UPDATE mesh.audit_event SET data = jsonb_set(data, '{inviteId}', '"forged"') WHERE mesh_id = $1 AND seq = 17`, [meshId]);
      expect(await audit.verify(meshId)).toEqual({ valid: false, checked: 16, brokenAt: { seq: 17, reason: 'hash_mismatch' } });
    });

    it('deleting a row → seq_gap at the next seq', async () => {
      await tamper('DELETE FROM mesh.audit_event WHERE mesh_id = $1 AND seq = 9', [meshId]);
      expect(await audit.verify(meshId)).toEqual({ valid: false, checked: 8, brokenAt: { seq: 10, reason: 'seq_gap' } });
    });

    it('rewriting prev_hash → prev_hash_mismatch; the first of several breaks is named', async () => {
      await tamper(`UPDATE mesh.audit_event SET prev_hash = repeat('a', 64) WHERE mesh_id = $1 AND seq = 5`, [meshId]);
      expect(await audit.verify(meshId)).toEqual({ valid: false, checked: 4, brokenAt: { seq: 5, reason: 'prev_hash_mismatch' } });
      await tamper(`UPDATE mesh.audit_event SET data = '{}'::jsonb WHERE mesh_id = $1 AND seq = 3`, [meshId]);
      const res = await owner.get(`/api/meshes/${meshId}/audit/verify`);
      expect(res.body).toEqual({ valid: false, checked: 2, brokenAt: { seq: 3, reason: 'hash_mismatch' } });
    });

    it('the trigger still rejects UPDATE and DELETE (C-DATA-8 holds after the test re-enables it)', async () => {
      await expect(t.dataSource.query('UPDATE mesh.audit_event SET type = type WHERE mesh_id = $1', [meshId])).rejects.toThrow(/append-only/);
      await expect(t.dataSource.query('DELETE FROM mesh.audit_event WHERE mesh_id = $1', [meshId])).rejects.toThrow(/append-only/);
    });
  });

  it('verify walks pages of 1 000: a break past the first page is found with the exact count', async () => {
    const meshId = await createMesh('long chain');
    await audit.append(
      t.dataSource.manager,
      meshId,
      Array.from({ length: 2199 }, (_, i) => entry(i)),
    );
    expect(await audit.verify(meshId)).toEqual(expect.objectContaining({ valid: true, checked: 2200, headSeq: 2200 }));
    await t.dataSource.transaction(async (m) => {
      await m.query('ALTER TABLE mesh.audit_event DISABLE TRIGGER audit_event_append_only');
      await m.query(`UPDATE mesh.audit_event SET actor_display_name = 'mallory' WHERE mesh_id = $1 AND seq = 2001`, [meshId]);
      await m.query('ALTER TABLE mesh.audit_event ENABLE TRIGGER audit_event_append_only');
    });
    expect(await audit.verify(meshId)).toEqual({ valid: false, checked: 2000, brokenAt: { seq: 2001, reason: 'hash_mismatch' } });
  });
});
