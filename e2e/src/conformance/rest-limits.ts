/**
 * Limits that need a server of their own (default rate limits, a tiny MAX_MEMBERS_PER_MESH): claim and public-read
 * rate limits per IP and per code (security.md §5) and mesh_full (invites.md §6.2), none of which may use a slot.
 */
import { createTestApp, type TestApp } from '../../../server/src/testing/test-app';
import { expectError } from './rest-assert';
import { claimBody, newClaimant, sodiumReady } from './rest-sodium';
import { as, http, must, PASSWORD, signIn, type Principal, type Res } from './rest-world';

/**
 * Spends a bucket of `n` in one parallel burst, then asks up to 3 more times: buckets refill continuously, so on a
 * slow machine one extra request may legitimately pass; the first refusal is returned (or the last answer).
 */
async function exhaust(n: number, send: () => Promise<Res>): Promise<Res> {
  await Promise.all(Array.from({ length: n }, send));
  let last!: Res;
  for (let i = 0; i < 3; i++) {
    last = await send();
    if (last.status === 429) break;
  }
  return last;
}

export function limitTests(): void {
  let t: TestApp;
  let owner: Principal;
  let meshId: string;
  const mint = async (body: Record<string, unknown>) => (await must(as(t.baseUrl, owner, 'POST', `/api/meshes/${meshId}/invites`, { body }), 201, 'mint')).body;
  const used = async (id: string): Promise<number> => (await t.dataSource.query('SELECT used_count FROM mesh.invite WHERE id = $1', [id]))[0].used_count;

  beforeAll(async () => {
    await sodiumReady();
    t = await createTestApp({ TRUST_PROXY: 'true', MAX_MEMBERS_PER_MESH: '2' });
    const s = await must(http(t.baseUrl, 'POST', '/api/auth/signup', { body: { email: 'limits@example.com', password: PASSWORD, displayName: 'L', setupToken: t.setupToken } }), 201, 'signup');
    owner = await signIn(t.baseUrl, 'owner', 'limits@example.com', s.body.account.id);
    meshId = (await must(as(t.baseUrl, owner, 'POST', '/api/meshes', { body: { name: 'limits' } }), 201, 'mesh')).body.id;
  }, 60_000);
  afterAll(() => t?.close());

  it('C-SEC-6: the 21st claim from one IP within a minute gets 429 rate_limited with Retry-After and retryAfterMs, and uses no slot', async () => {
    const inv = await mint({ maxUses: 1 });
    const ip = '198.18.0.1';
    // refused bodies spend the bucket too (the limit is checked first), so the mesh stays empty for the mesh_full case
    const r = await exhaust(20, () => http(t.baseUrl, 'POST', `/api/public/invites/${inv.code}/claim`, { ip, body: {} }));
    expectError(r, 429, 'rate_limited', '21st claim');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(r.body.error.details.retryAfterMs).toBeGreaterThan(0);
    expect(await used(inv.id)).toBe(0);
  });

  it('security.md §5: the 31st claim of one code within a minute (from distinct IPs) gets 429; the 61st public GET from one IP too, /i/:code included', async () => {
    const inv = await mint({ maxUses: 1 });
    const perCode = await exhaust(30, () => http(t.baseUrl, 'POST', `/api/public/invites/${inv.code}/claim`, { body: {} }));
    expectError(perCode, 429, 'rate_limited', '31st on a code (each from its own IP)');
    expect(await used(inv.id)).toBe(0);
    const ip = '198.18.0.2';
    expectError(await exhaust(60, () => http(t.baseUrl, 'GET', `/api/public/invite-code/${inv.code}`, { ip })), 429, 'rate_limited', '61st public GET');
    expectError(await exhaust(0, () => http(t.baseUrl, 'GET', `/i/${inv.code}`, { ip })), 429, 'rate_limited', '/i/:code over the limit (docs/SPEC.md D6)');
  });

  it('invites.md §6.2: with MAX_MEMBERS_PER_MESH=2 the third admission is 409 mesh_full (reason mesh_full) and rolls back its use; members already in still get 200', async () => {
    const inv = await mint({ maxUses: 5 });
    const first = newClaimant();
    for (const c of [first, newClaimant()]) expect((await http(t.baseUrl, 'POST', `/api/public/invites/${inv.code}/claim`, { body: claimBody(inv.code, c) })).status).toBe(200);
    const full = await http(t.baseUrl, 'POST', `/api/public/invites/${inv.code}/claim`, { body: claimBody(inv.code, newClaimant()) });
    expectError(full, 409, 'mesh_full', 'third member', { reason: 'mesh_full' });
    expect(await used(inv.id)).toBe(2);
    const again = await http(t.baseUrl, 'POST', `/api/public/invites/${inv.code}/claim`, { body: claimBody(inv.code, first) });
    expect([again.status, again.body.already_member]).toEqual([200, true]);
  });
}
