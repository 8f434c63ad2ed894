import { cryptoReady } from '@claudemesh/shared/crypto';
import { createTestApp, TestApp } from '../testing/test-app';
import { ApiClient } from './testing/api-client';

/** C-API-13 (for the auth, admin, mesh and member endpoints): every path and method, its body schema and error responses. */
const ENDPOINTS: [string, string, string[], boolean][] = [
  // method, path, error statuses that must be documented, has a JSON body schema
  ['get', '/api/public/config', [], false],
  ['post', '/api/auth/signup', ['400', '403', '409', '429'], true],
  ['post', '/api/auth/login', ['400', '401', '403', '429'], true],
  ['post', '/api/auth/logout', ['401', '403'], true],
  ['get', '/api/auth/me', ['401'], false],
  ['post', '/api/auth/password', ['400', '401', '403'], true],
  ['get', '/api/tokens', ['401', '403'], false],
  ['post', '/api/tokens', ['400', '401', '403'], true],
  ['delete', '/api/tokens/{id}', ['401', '404'], false],
  ['get', '/api/admin/accounts', ['401', '404'], false],
  ['post', '/api/admin/accounts', ['400', '401', '404', '409'], true],
  ['patch', '/api/admin/accounts/{id}', ['400', '401', '404', '409'], true],
  ['get', '/api/meshes', ['400', '401'], false],
  ['post', '/api/meshes', ['400', '401'], true],
  ['get', '/api/meshes/{id}', ['401', '404'], false],
  ['patch', '/api/meshes/{id}', ['400', '401', '403', '404', '410'], true],
  ['post', '/api/meshes/{id}/archive', ['401', '403', '404'], true],
  ['post', '/api/meshes/{id}/transfer', ['400', '401', '403', '404', '409', '410'], true],
  ['post', '/api/meshes/{id}/rotate-root-key', ['401', '403', '404', '410'], true],
  ['get', '/api/meshes/{id}/members', ['401', '403', '404'], false],
  ['patch', '/api/meshes/{id}/members/{memberId}', ['400', '401', '403', '404', '410'], true],
  ['delete', '/api/meshes/{id}/members/{memberId}', ['401', '403', '404', '410'], false],
];

describe('OpenAPI document (auth, admin, meshes, members)', () => {
  let t: TestApp;
  let doc: any;
  beforeAll(async () => {
    await cryptoReady();
    t = await createTestApp();
    doc = (await new ApiClient(t.baseUrl).get('/api/docs-json')).body;
  });
  afterAll(() => t?.close());

  it('C-API-13 lists every endpoint with its success and error responses, request schemas and auth', () => {
    expect(doc.openapi).toMatch(/^3\./);
    for (const [method, path, errors, hasBody] of ENDPOINTS) {
      const op = doc.paths?.[path]?.[method];
      expect({ method, path, present: !!op }).toEqual({ method, path, present: true });
      const statuses = Object.keys(op.responses);
      for (const s of errors) expect({ path, method, s, has: statuses.includes(s) }).toEqual({ path, method, s, has: true });
      expect(statuses.some((s) => s.startsWith('2'))).toBe(true);
      for (const s of statuses.filter((x) => x >= '400')) {
        expect(op.responses[s].content['application/json'].schema.properties.error).toBeDefined();
      }
      if (hasBody) expect(op.requestBody.content['application/json'].schema.type).toBe('object');
      if (path !== '/api/public/config' && !path.startsWith('/api/auth/signup') && !path.startsWith('/api/auth/login')) {
        expect(op.security.map((x: any) => Object.keys(x)[0])).toContain('cookie');
      }
    }
  });

  it('C-API-13 request schemas come from the shared DTOs (limits and required fields)', () => {
    const signup = doc.paths['/api/auth/signup'].post.requestBody.content['application/json'].schema;
    expect(signup.required.sort()).toEqual(['displayName', 'email', 'password']);
    expect(signup.properties.password).toMatchObject({ type: 'string', minLength: 10, maxLength: 256 });
    expect(signup.additionalProperties).toBe(false);
    const mesh = doc.paths['/api/meshes'].post.requestBody.content['application/json'].schema;
    expect(mesh).toMatchObject({ required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 80 } } });
    const token = doc.paths['/api/tokens'].post.requestBody.content['application/json'].schema;
    expect(token.properties.expiresInDays).toMatchObject({ type: 'integer', minimum: 1, maximum: 365, nullable: true });
    const list = doc.paths['/api/meshes'].get.parameters.map((p: any) => p.name).sort();
    expect(list).toEqual(['archived', 'cursor', 'limit', 'q']);
    expect(doc.paths['/api/tokens'].get.security.map((x: any) => Object.keys(x)[0])).not.toContain('bearer');
  });
});
