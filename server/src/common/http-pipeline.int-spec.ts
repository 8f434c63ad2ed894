import { createTestApp, TestApp } from '../testing/test-app';
import { CONTENT_SECURITY_POLICY } from './http-setup';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = async (res: Response): Promise<any> => res.json();

describe('HTTP pipeline (C-API-1, C-SEC-8)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('C-API-1: unknown /api path → 404 not_found in the error shape with the X-Request-Id', async () => {
    const res = await fetch(`${t.baseUrl}/api/definitely-not-here`, { headers: { 'X-Request-Id': 'abcdefgh-1234' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('abcdefgh-1234');
    const body = await json(res);
    expect(body).toEqual({
      error: { code: 'not_found', message: expect.any(String) },
      statusCode: 404,
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      path: '/api/definitely-not-here',
      requestId: 'abcdefgh-1234',
    });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('C-API-1: a malformed incoming request id is replaced by a UUID', async () => {
    const res = await fetch(`${t.baseUrl}/api/x`, { headers: { 'X-Request-Id': 'bad id!' } });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await json(res)).requestId).toBe(id);
  });

  it('C-API-1: unparsable JSON → 400 invalid_json; other media type → 415; over 64 KiB → 413', async () => {
    const post = (body: string, type = 'application/json') =>
      fetch(`${t.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': type }, body });
    const bad = await post('{"email":');
    expect(bad.status).toBe(400);
    const b = await json(bad);
    expect(b.error.code).toBe('invalid_json');
    expect(b.requestId).toBe(bad.headers.get('x-request-id'));
    const media = await post('email=a', 'application/x-www-form-urlencoded');
    expect(media.status).toBe(415);
    expect((await json(media)).error.code).toBe('unsupported_media_type');
    const big = await post(JSON.stringify({ email: 'x'.repeat(70 * 1024) }));
    expect(big.status).toBe(413);
    expect((await json(big)).error.code).toBe('payload_too_large');
  });

  it('C-SEC-8: HTML responses carry the CSP, Referrer-Policy and the other hardening headers', async () => {
    const res = await fetch(`${t.baseUrl}/meshes/some/deep/link`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });

  it('serves the OpenAPI document with the bearer, hook-token and cookie schemes, and the Swagger UI', async () => {
    const doc = await json(await fetch(`${t.baseUrl}/api/docs-json`));
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      hookToken: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'cmh1' }),
      cookie: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'cm_session' }),
    });
    const ui = await fetch(`${t.baseUrl}/api/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/swagger/i);
  });

  it('/cli/version answers the CLI package version', async () => {
    const res = await fetch(`${t.baseUrl}/cli/version`);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it('health and readiness answer as operations.md §4', async () => {
    const live = await json(await fetch(`${t.baseUrl}/health`));
    expect(live).toEqual({ status: 'ok', version: '1.0.0', gitSha: null, nodeId: expect.any(String), uptimeSeconds: expect.any(Number), db: 'up' });
    const ready = await fetch(`${t.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await json(ready)).toEqual({ status: 'ready', db: 'up', migrations: 'current', redis: 'disabled' });
  });

  it('/metrics exposes the prefixed default metrics and HTTP metrics by route template', async () => {
    await fetch(`${t.baseUrl}/health`);
    const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(text).toContain('# TYPE claudemesh_process_cpu_user_seconds_total counter');
    expect(text).toMatch(/claudemesh_http_requests_total\{method="GET",route="\/health",status="200"\} \d+/);
  });
});

describe('HTTP pipeline behind https (security.md §7)', () => {
  it('sends Strict-Transport-Security: max-age=31536000 when PUBLIC_URL is https, with the same CSP and Referrer-Policy', async () => {
    const t = await createTestApp({ PUBLIC_URL: 'https://mesh.example.com' });
    try {
      for (const p of ['/', '/api/public/config', '/api/nope']) {
        const res = await fetch(`${t.baseUrl}${p}`);
        expect([p, res.headers.get('strict-transport-security')]).toEqual([p, 'max-age=31536000']);
        expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
        expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      }
    } finally {
      await t.close();
    }
  });
});
