/* Test helpers for the invite integration specs (real HTTP against createTestApp). Not used by the app. */
import {
  claimSigningString,
  generateClaimKeyPair,
  generateSigningKeyPair,
  inviteTokenHash,
  joinSigningString,
  signDetached,
  type ClaimKeyPair,
  type Ed25519KeyPair,
} from '@claudemesh/shared/crypto';

export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function http<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  opts: { token?: string | null; body?: unknown; headers?: Record<string, string>; redirect?: 'follow' | 'manual' | 'error' } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(baseUrl + path, {
    method,
    headers,
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
    redirect: opts.redirect ?? 'follow',
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

/** Signs up (with the setup token for the first account) and mints a PAT through the cookie session. */
export async function signupWithPat(baseUrl: string, email: string, setupToken: string | null): Promise<{ token: string; accountId: string }> {
  const res = await fetch(`${baseUrl}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'correct horse battery', displayName: email.split('@')[0], ...(setupToken ? { setupToken } : {}) }),
  });
  if (res.status !== 201) throw new Error(`signup → ${res.status} ${await res.text()}`);
  const accountId = ((await res.json()) as { account: { id: string } }).account.id;
  const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0]);
  const xsrf = cookies.find((c) => c.startsWith('XSRF-TOKEN='))!.slice('XSRF-TOKEN='.length);
  const pat = await fetch(`${baseUrl}/api/tokens`, {
    method: 'POST',
    headers: { cookie: cookies.join('; '), 'x-xsrf-token': decodeURIComponent(xsrf), 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'invite-test', expiresInDays: 1 }),
  });
  if (pat.status !== 201) throw new Error(`token → ${pat.status} ${await pat.text()}`);
  return { token: ((await pat.json()) as { token: string }).token, accountId };
}

export async function createMesh(baseUrl: string, token: string, name: string): Promise<{ id: string; ownerPubkey: string }> {
  const r = await http(baseUrl, 'POST', '/api/meshes', { token, body: { name } });
  if (r.status !== 201) throw new Error(`mesh → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function mintInvite(baseUrl: string, token: string, meshId: string, body: Record<string, unknown> = {}): Promise<any> {
  const r = await http(baseUrl, 'POST', `/api/meshes/${meshId}/invites`, { token, body });
  if (r.status !== 201) throw new Error(`mint → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export interface TestPeer {
  identity: Ed25519KeyPair;
  claimKey: ClaimKeyPair;
}

export const newPeer = (): TestPeer => ({ identity: generateSigningKeyPair(), claimKey: generateClaimKeyPair() });

export function claimBody(code: string, peer: TestPeer, displayName = 'peer'): Record<string, string> {
  const x = peer.claimKey.publicKeyBase64Url;
  return {
    recipient_x25519_pubkey: x,
    peer_pubkey: peer.identity.publicKey,
    display_name: displayName,
    proof: signDetached(claimSigningString(code, x), peer.identity.secretKey),
  };
}

export function joinBody(token: string, peer: TestPeer, displayName = 'peer'): Record<string, string> {
  return {
    invite_token: token,
    peer_pubkey: peer.identity.publicKey,
    display_name: displayName,
    proof: signDetached(joinSigningString(inviteTokenHash(token), peer.identity.publicKey), peer.identity.secretKey),
  };
}

/** A distinct client address per simulated claimant (the test app runs with TRUST_PROXY=true). */
let ipCounter = 0;
export const nextIp = (): string => {
  ipCounter++;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
};

export const claim = (baseUrl: string, code: string, body: unknown, opts: { ip?: string; token?: string; alias?: boolean } = {}) =>
  http(baseUrl, 'POST', opts.alias ? `/invites/${code}/claim` : `/api/public/invites/${code}/claim`, {
    body,
    token: opts.token,
    headers: { 'x-forwarded-for': opts.ip ?? nextIp() },
  });
