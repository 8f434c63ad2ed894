/**
 * Every HTTP endpoint of api.md, as data: who may call it, its body fields, and the error statuses api.md lists for
 * it. The OpenAPI check, the bad-body sweep and the path-id sweep all walk this table; `apiMdEndpoints` re-reads
 * api.md so the table cannot silently drift from the contract.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type FieldKind = 'string' | 'secret' | 'email' | 'int' | 'bool' | 'enum' | 'id' | 'x25519' | 'hex64' | 'hex128' | 'token' | 'uuid';

export interface Field {
  kind: FieldKind;
  required?: boolean;
  /** Max length in code points, for string-like fields. */
  max?: number;
  /** null is a valid value (expiresInDays, linkEmail). */
  nullable?: boolean;
}

// setupToken is nullable here on purpose: api.md §2 says a missing or wrong setup token is 403 setup_token_invalid
// "(not 400)", so null reads as missing.

/** public: no credential; session: cookie only (PAT → 403 session_required); account: cookie or PAT; hook: hook token. */
export type AuthKind = 'public' | 'session' | 'account' | 'hook' | 'metrics';

export interface Endpoint {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  auth: AuthKind;
  /** Body fields; `{}` for endpoints that take no fields (empty body or `{}`); absent for GET. */
  fields?: Record<string, Field>;
  /** Success status. */
  ok: number;
  /** Error statuses api.md names for this endpoint (beyond the ones every authenticated endpoint may give). */
  errors: number[];
  /** Query parameters it accepts. */
  query?: string[];
}

const PAGE = ['limit', 'cursor'];
const S = (max: number, required = true): Field => ({ kind: 'string', max, required });

export const ENDPOINTS: Endpoint[] = [
  { method: 'GET', path: '/api/public/config', auth: 'public', ok: 200, errors: [] },
  {
    method: 'POST', path: '/api/auth/signup', auth: 'public', ok: 201, errors: [400, 403, 409, 429],
    fields: { email: { kind: 'email', required: true }, password: { kind: 'secret', required: true, max: 256 }, displayName: S(64), setupToken: { kind: 'secret', max: 256, nullable: true } },
  },
  { method: 'POST', path: '/api/auth/login', auth: 'public', ok: 200, errors: [400, 401, 403, 429], fields: { email: { kind: 'email', required: true }, password: { kind: 'secret', required: true, max: 256 } } },
  { method: 'POST', path: '/api/auth/logout', auth: 'session', ok: 204, errors: [], fields: {} },
  { method: 'GET', path: '/api/auth/me', auth: 'account', ok: 200, errors: [] },
  {
    method: 'POST', path: '/api/auth/password', auth: 'session', ok: 204, errors: [400, 401, 403],
    fields: { currentPassword: { kind: 'secret', required: true, max: 256 }, newPassword: { kind: 'secret', required: true, max: 256 } },
  },
  { method: 'GET', path: '/api/tokens', auth: 'session', ok: 200, errors: [403], query: PAGE },
  { method: 'POST', path: '/api/tokens', auth: 'session', ok: 201, errors: [400, 403], fields: { name: S(64), expiresInDays: { kind: 'int', nullable: true } } },
  { method: 'DELETE', path: '/api/tokens/:tokenId', auth: 'session', ok: 204, errors: [403, 404], fields: {} },
  { method: 'GET', path: '/api/admin/accounts', auth: 'account', ok: 200, errors: [404], query: [...PAGE, 'q'] },
  {
    method: 'POST', path: '/api/admin/accounts', auth: 'account', ok: 201, errors: [400, 404, 409],
    fields: { email: { kind: 'email', required: true }, displayName: S(64), password: { kind: 'secret', required: true, max: 256 }, isAdmin: { kind: 'bool' } },
  },
  { method: 'PATCH', path: '/api/admin/accounts/:accountId', auth: 'account', ok: 200, errors: [400, 404, 409], fields: { isAdmin: { kind: 'bool' }, disabled: { kind: 'bool' } } },
  { method: 'GET', path: '/api/meshes', auth: 'account', ok: 200, errors: [400], query: [...PAGE, 'q', 'archived'] },
  { method: 'POST', path: '/api/meshes', auth: 'account', ok: 201, errors: [400], fields: { name: S(80) } },
  { method: 'GET', path: '/api/meshes/:id', auth: 'account', ok: 200, errors: [404] },
  { method: 'PATCH', path: '/api/meshes/:id', auth: 'account', ok: 200, errors: [400, 403, 404, 410], fields: { name: S(80) } },
  { method: 'POST', path: '/api/meshes/:id/archive', auth: 'account', ok: 200, errors: [403, 404], fields: {} },
  { method: 'POST', path: '/api/meshes/:id/transfer', auth: 'account', ok: 200, errors: [400, 403, 404, 409, 410], fields: { accountId: { kind: 'id' }, email: { kind: 'email' } } },
  { method: 'POST', path: '/api/meshes/:id/rotate-root-key', auth: 'account', ok: 200, errors: [403, 404, 410], fields: {} },
  { method: 'GET', path: '/api/meshes/:id/members', auth: 'account', ok: 200, errors: [403, 404], query: [...PAGE, 'includeRemoved'] },
  {
    method: 'PATCH', path: '/api/meshes/:id/members/:memberId', auth: 'account', ok: 200, errors: [400, 403, 404, 410],
    fields: { role: { kind: 'enum' }, displayName: S(64, false), linkEmail: { kind: 'email', nullable: true } },
  },
  { method: 'DELETE', path: '/api/meshes/:id/members/:memberId', auth: 'account', ok: 200, errors: [403, 404, 410], fields: {} },
  { method: 'GET', path: '/api/meshes/:id/invites', auth: 'account', ok: 200, errors: [403, 404], query: [...PAGE, 'status'] },
  {
    method: 'POST', path: '/api/meshes/:id/invites', auth: 'account', ok: 201, errors: [400, 403, 404, 409, 410, 429],
    fields: { version: { kind: 'int' }, role: { kind: 'enum' }, maxUses: { kind: 'int' }, expiresInDays: { kind: 'int' }, email: { kind: 'email' } },
  },
  { method: 'DELETE', path: '/api/meshes/:id/invites/:inviteId', auth: 'account', ok: 200, errors: [403, 404], fields: {} },
  { method: 'POST', path: '/api/meshes/:id/invites/:inviteId/resend', auth: 'account', ok: 200, errors: [403, 404, 409, 410, 429], fields: {} },
  { method: 'GET', path: '/api/meshes/:id/audit', auth: 'account', ok: 200, errors: [400, 404], query: ['limit', 'before', 'type'] },
  { method: 'GET', path: '/api/meshes/:id/audit/verify', auth: 'account', ok: 200, errors: [404, 429] },
  { method: 'GET', path: '/api/mail-outbox', auth: 'account', ok: 200, errors: [400, 403, 404], query: [...PAGE, 'meshId', 'status'] },
  { method: 'GET', path: '/api/public/invites/:ref', auth: 'public', ok: 200, errors: [400, 404, 429] },
  { method: 'GET', path: '/api/public/invite-code/:code', auth: 'public', ok: 200, errors: [400, 404, 410, 429] },
  ...(['/api/public/invites/:code/claim', '/invites/:code/claim'] as const).map(
    (p): Endpoint => ({
      method: 'POST', path: p, auth: 'public', ok: 200, errors: [400, 401, 403, 404, 409, 410, 429],
      fields: { recipient_x25519_pubkey: { kind: 'x25519', required: true }, peer_pubkey: { kind: 'hex64', required: true }, display_name: S(64), proof: { kind: 'hex128', required: true } },
    }),
  ),
  {
    method: 'POST', path: '/api/public/join', auth: 'public', ok: 200, errors: [400, 401, 403, 404, 410, 429],
    fields: { invite_token: { kind: 'token', required: true }, peer_pubkey: { kind: 'hex64', required: true }, display_name: S(64), proof: { kind: 'hex128', required: true } },
  },
  { method: 'GET', path: '/i/:code', auth: 'public', ok: 302, errors: [] },
  { method: 'POST', path: '/hook/set-status', auth: 'hook', ok: 200, errors: [400, 401, 409, 413, 415, 429], fields: { status: { kind: 'enum', required: true }, sessionId: { kind: 'uuid' } } },
  { method: 'GET', path: '/health', auth: 'public', ok: 200, errors: [] },
  { method: 'GET', path: '/health/ready', auth: 'public', ok: 200, errors: [503] },
  { method: 'GET', path: '/metrics', auth: 'metrics', ok: 200, errors: [] },
  { method: 'GET', path: '/api/docs', auth: 'public', ok: 200, errors: [] },
  { method: 'GET', path: '/api/docs-json', auth: 'public', ok: 200, errors: [] },
];

/** `/api/meshes/:id/members/:memberId` → `/api/meshes/{id}/members/{memberId}` (the doc's names may differ: compared by shape). */
export const openApiShape = (p: string): string => p.replace(/:[A-Za-z]+/g, '{}').replace(/\{[^}]+\}/g, '{}');

/** Every `METHOD /path` that api.md names in §1–§10 (the checklist's examples, like `GET /api/nope`, are left out). */
export function apiMdEndpoints(): string[] | null {
  const file = path.resolve(__dirname, '../../../../shared/spec/api.md');
  if (!fs.existsSync(file)) return null;
  const text = fs.readFileSync(file, 'utf8').split(/^## 11\. /m)[0];
  const out = new Set<string>();
  for (const m of text.matchAll(/`(GET|POST|PATCH|PUT|DELETE) (\/[^`\s?]*)/g)) out.add(`${m[1]} ${m[2].replace(/:[A-Za-z]+/g, ':x')}`);
  return [...out].sort();
}

export const catalogKeys = (): string[] => [...new Set(ENDPOINTS.map((e) => `${e.method} ${e.path.replace(/:[A-Za-z]+/g, ':x')}`))].sort();
