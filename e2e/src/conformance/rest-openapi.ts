/**
 * C-API-13 from outside: /api/docs-json against the endpoint table (itself checked against api.md): every path and
 * method, its security, request body schema, success schema and every error status api.md gives it.
 */
import { apiMdEndpoints, catalogKeys, ENDPOINTS, openApiShape, type Endpoint } from './rest-endpoints';
import { http, type World } from './rest-world';

type Doc = { openapi: string; paths: Record<string, Record<string, any>>; components?: { securitySchemes?: Record<string, any>; schemas?: Record<string, any> } };

/** The statuses an endpoint's operation must document. */
export function expectedStatuses(e: Endpoint): number[] {
  const s = new Set<number>([e.ok, ...e.errors]);
  if (e.auth === 'session' || e.auth === 'account') [401, 403, 429, 500].forEach((x) => s.add(x));
  if (e.fields) [400, 413, 415].forEach((x) => s.add(x));
  if (/^\/(api|invites)\//.test(e.path) && !e.path.startsWith('/api/docs')) s.add(500);
  if (/:(id|memberId|inviteId|tokenId|accountId)\b/.test(e.path)) s.add(404);
  return [...s].sort();
}

function resolve(doc: Doc, x: any): any {
  let cur = x;
  for (let i = 0; cur && cur.$ref && i < 10; i++) {
    const parts = String(cur.$ref).replace(/^#\//, '').split('/');
    cur = parts.reduce((o: any, k) => (o ? o[k] : undefined), doc);
  }
  return cur;
}

/** Scheme names of the doc by kind: the cookie session, and http bearer. */
function schemeKinds(doc: Doc): { cookie: Set<string>; bearer: Set<string> } {
  const cookie = new Set<string>();
  const bearer = new Set<string>();
  for (const [name, s] of Object.entries(doc.components?.securitySchemes ?? {})) {
    if (s.type === 'apiKey' && s.in === 'cookie') cookie.add(name);
    if (s.type === 'http' && String(s.scheme).toLowerCase() === 'bearer') bearer.add(name);
  }
  return { cookie, bearer };
}

/** Every problem of one operation, as text (empty = conforms). */
export function operationProblems(doc: Doc, e: Endpoint): string[] {
  const key = `${e.method} ${e.path}`;
  const docPath = Object.keys(doc.paths).find((p) => openApiShape(p) === openApiShape(e.path));
  const op = docPath ? doc.paths[docPath][e.method.toLowerCase()] : undefined;
  if (!op) return [`${key}: missing from the document`];
  const out: string[] = [];
  const responses = op.responses ?? {};
  const missing = expectedStatuses(e).filter((s) => !(String(s) in responses));
  if (missing.length) out.push(`${key}: responses lack ${missing.join(', ')}`);

  // success schema: JSON endpoints describe their body
  const okResp = resolve(doc, responses[String(e.ok)]);
  const jsonOk = e.ok !== 204 && e.ok !== 302 && !['/metrics', '/api/docs', '/api/docs-json'].includes(e.path);
  if (jsonOk) {
    const schema = resolve(doc, okResp?.content?.['application/json']?.schema);
    if (!schema || (!schema.properties && !schema.items && !schema.allOf && !schema.oneOf)) out.push(`${key}: ${e.ok} has no JSON schema`);
  }
  // error responses carry the error shape (readiness has its own 503 body, operations.md §4)
  const shaped = /^\/(api|invites|hook)\//.test(e.path) && !e.path.startsWith('/api/docs');
  for (const s of expectedStatuses(e).filter((x) => shaped && x >= 400 && String(x) in responses)) {
    const schema = resolve(doc, resolve(doc, responses[String(s)])?.content?.['application/json']?.schema);
    if (!schema?.properties?.error) out.push(`${key}: ${s} is not described with the error shape`);
  }
  // request body: the DTO's fields, required ones marked
  if (e.fields) {
    const schema = resolve(doc, op.requestBody?.content?.['application/json']?.schema);
    const names = Object.keys(e.fields);
    if (names.length) {
      const props = Object.keys(schema?.properties ?? {}).sort();
      if (JSON.stringify(props) !== JSON.stringify([...names].sort())) out.push(`${key}: body properties ${props.join(',')} ≠ ${[...names].sort().join(',')}`);
      const req = [...(schema?.required ?? [])].sort();
      const want = names.filter((n) => e.fields![n].required).sort();
      if (JSON.stringify(req) !== JSON.stringify(want)) out.push(`${key}: required ${req.join(',')} ≠ ${want.join(',')}`);
    } else if (schema?.properties && Object.keys(schema.properties).length) {
      out.push(`${key}: takes no fields but documents ${Object.keys(schema.properties).join(',')}`);
    }
  }
  // security
  const { cookie, bearer } = schemeKinds(doc);
  const sec: Record<string, unknown>[] = op.security ?? [];
  const names = new Set(sec.flatMap((r) => Object.keys(r)));
  const has = (set: Set<string>) => [...names].some((n) => set.has(n));
  if (e.auth === 'account' && !(has(cookie) && has(bearer))) out.push(`${key}: security should list the cookie session and the bearer PAT`);
  if (e.auth === 'session' && !(has(cookie) && !has(bearer))) out.push(`${key}: security should list only the cookie session`);
  if (e.auth === 'hook' && !has(bearer)) out.push(`${key}: security should list the hook bearer token`);
  if (e.auth === 'public' && names.size > 0 && !sec.some((r) => Object.keys(r).length === 0)) out.push(`${key}: a public endpoint must not require a credential`);
  return out;
}

export function openApiTests(world: () => World): void {
  it('C-API-13 the endpoint table of this suite is exactly the list of api.md §1–§10', () => {
    const fromSpec = apiMdEndpoints();
    if (fromSpec === null) return; // the contract folder is not checked out next to the repository
    expect(catalogKeys()).toEqual(fromSpec);
  });

  it('C-API-13 /api/docs-json is OpenAPI 3, and every $ref resolves', async () => {
    const res = await http(world().base, 'GET', '/api/docs-json');
    expect(res.status).toBe(200);
    const doc = res.body as Doc;
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    const refs = [...res.text.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]);
    expect(refs.filter((r) => resolve(doc, { $ref: r }) === undefined)).toEqual([]);
    const ui = await http(world().base, 'GET', '/api/docs');
    expect([ui.status, ui.headers.get('content-type')?.startsWith('text/html')]).toEqual([200, true]);
  });

  it('C-API-13 every endpoint of api.md is documented with its security, body schema, success schema and error statuses', async () => {
    const doc = (await http(world().base, 'GET', '/api/docs-json')).body as Doc;
    expect(ENDPOINTS.flatMap((e) => operationProblems(doc, e))).toEqual([]);
  });
}
