import {
  claimSigningString,
  generateClaimKeyPair,
  generateSigningKeyPair,
  openSealedRootKey,
  signDetached,
  toBase64Url,
  verifyDetached,
} from '@claudemesh/shared/crypto';

/** One mesh member as the tests hold it: identity, ids and the root key from the claim. */
export interface MeshMember {
  index: number;
  displayName: string;
  pubkey: string;
  secretKey: string;
  memberId: string;
  rootKeys: Record<string, string>;
}

export interface TestMesh {
  meshId: string;
  /** The admin's PAT (Bearer), for REST calls and /ui. */
  token: string;
  members: MeshMember[];
}

/** REST with a PAT or a cookie session (signup). */
export class Api {
  private cookies = new Map<string, string>();
  bearer: string | null = null;
  constructor(readonly baseUrl: string) {}

  async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    else if (this.cookies.size) {
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const xsrf = this.cookies.get('XSRF-TOKEN');
      if (xsrf) headers['x-xsrf-token'] = decodeURIComponent(xsrf);
    }
    const res = await fetch(this.baseUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : null) as T };
  }

  async ok<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.call<T>(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
    return r.json;
  }
}

/**
 * The first account, a PAT, returned as an Api that uses the PAT. Every node that starts on a database with no account
 * prints its own setup token and stores its hash, so only the last one written works: try each.
 */
export async function createAdmin(baseUrl: string, setupTokens: string[], email = 'admin@example.com'): Promise<Api> {
  const api = new Api(baseUrl);
  let last = '';
  for (const setupToken of setupTokens) {
    const r = await api.call('POST', '/api/auth/signup', { email, password: 'multinode-password-1', displayName: 'Multi Node', setupToken });
    if (r.status === 201) break;
    last = `${r.status} ${JSON.stringify(r.json)}`;
    if (setupToken === setupTokens[setupTokens.length - 1]) throw new Error(`signup failed with every printed setup token: ${last}`);
  }
  const pat = await api.ok<{ token: string }>('POST', '/api/tokens', { name: 'multinode', expiresInDays: 1 });
  api.bearer = pat.token;
  return api;
}

/** A mesh with `count` members, each joined through a real v2 claim (invites.md) with its own identity. */
export async function createMesh(api: Api, count: number, name = 'multinode'): Promise<TestMesh> {
  const mesh = await api.ok<{ id: string }>('POST', '/api/meshes', { name });
  const members: MeshMember[] = new Array(count);
  const codes: string[] = [];
  for (let left = count; left > 0; left -= 1000) {
    const inv = await api.ok<{ code: string }>('POST', `/api/meshes/${mesh.id}/invites`, { maxUses: Math.min(1000, left), expiresInDays: 1 });
    codes.push(inv.code);
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(8, count) }, async () => {
      while (next < count) {
        const i = next++;
        const code = codes[Math.floor(i / 1000)];
        const id = generateSigningKeyPair();
        const claim = generateClaimKeyPair();
        const displayName = `peer-${i}`;
        const res = await new Api(api.baseUrl).ok<{
          sealed_root_key: string;
          member_id: string;
          root_key_epoch: number;
          canonical_v2: string;
          signature: string;
          owner_pubkey: string;
        }>('POST', `/api/public/invites/${code}/claim`, {
          recipient_x25519_pubkey: claim.publicKeyBase64Url,
          peer_pubkey: id.publicKey,
          display_name: displayName,
          proof: signDetached(claimSigningString(code, claim.publicKeyBase64Url), id.secretKey),
        });
        if (!verifyDetached(res.canonical_v2, res.signature, res.owner_pubkey)) throw new Error('claim: invite signature does not verify');
        const rootKey = openSealedRootKey(res.sealed_root_key, claim.publicKey, claim.secretKey);
        if (!rootKey) throw new Error('claim: the sealed root key did not open');
        members[i] = {
          index: i,
          displayName,
          pubkey: id.publicKey,
          secretKey: id.secretKey,
          memberId: res.member_id,
          rootKeys: { [String(res.root_key_epoch)]: toBase64Url(rootKey) },
        };
      }
    }),
  );
  return { meshId: mesh.id, token: api.bearer ?? '', members };
}
