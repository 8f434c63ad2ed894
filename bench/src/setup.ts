import {
  claimSigningString,
  generateClaimKeyPair,
  generateSigningKeyPair,
  openSealedRootKey,
  signDetached,
  toBase64Url,
  verifyDetached,
} from '@claudemesh/shared/crypto';

export interface BenchMember {
  pubkey: string;
  secretKey: string;
  memberId: string;
  rootKeyEpoch: number;
  rootKey: string;
}

export interface BenchMesh {
  meshId: string;
  token: string;
  members: BenchMember[];
  claimSeconds: number;
}

/** A tiny cookie jar: enough for signup and the one PAT we mint with the session. */
class Http {
  private cookies = new Map<string, string>();
  constructor(private readonly baseUrl: string) {}
  bearer: string | null = null;

  async call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    else if (this.cookies.size) {
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const xsrf = this.cookies.get('XSRF-TOKEN');
      if (xsrf) headers['x-xsrf-token'] = decodeURIComponent(xsrf);
    }
    const res = await fetch(this.baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : null) as T };
  }

  async ok<T>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.call<T>(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
    return r.json;
  }
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

/**
 * Creates everything through the real REST API: the first account (with the setup token the server printed),
 * a PAT, `meshCount` meshes, v2 invites (at most 1 000 uses each), and one v2 claim per peer with a real proof.
 * Peer i joins mesh i % meshCount.
 */
export async function createBenchMeshes(
  baseUrl: string,
  setupToken: string | null,
  peers: number,
  meshCount: number,
  log: (s: string) => void,
): Promise<{ meshes: BenchMesh[]; memberOf: number[]; members: BenchMember[] }> {
  const http = new Http(baseUrl);
  await http.ok('POST', '/api/auth/signup', {
    email: 'bench@example.com',
    password: 'bench-password-1234',
    displayName: 'Bench Admin',
    ...(setupToken ? { setupToken } : {}),
  });
  const pat = await http.ok<{ token: string }>('POST', '/api/tokens', { name: 'bench', expiresInDays: 1 });
  http.bearer = pat.token;
  const meshes: BenchMesh[] = [];
  const codes: string[][] = [];
  for (let k = 0; k < meshCount; k++) {
    const size = Math.floor(peers / meshCount) + (k < peers % meshCount ? 1 : 0);
    const mesh = await http.ok<{ id: string }>('POST', '/api/meshes', { name: `bench ${k}` });
    const meshCodes: string[] = [];
    for (let left = size; left > 0; left -= 1000) {
      const inv = await http.ok<{ code: string }>('POST', `/api/meshes/${mesh.id}/invites`, { maxUses: Math.min(1000, left), expiresInDays: 1 });
      meshCodes.push(inv.code);
    }
    codes.push(meshCodes);
    meshes.push({ meshId: mesh.id, token: pat.token, members: [], claimSeconds: 0 });
  }
  const members: BenchMember[] = new Array(peers);
  const memberOf = Array.from({ length: peers }, (_, i) => i % meshCount);
  const t0 = Date.now();
  await pool(
    Array.from({ length: peers }, (_, i) => i),
    16,
    async (i) => {
      const k = memberOf[i];
      const code = codes[k][Math.floor(Math.floor(i / meshCount) / 1000)];
      const id = generateSigningKeyPair();
      const claimKeys = generateClaimKeyPair();
      const body = {
        recipient_x25519_pubkey: claimKeys.publicKeyBase64Url,
        peer_pubkey: id.publicKey,
        display_name: `bench-${i}`,
        proof: signDetached(claimSigningString(code, claimKeys.publicKeyBase64Url), id.secretKey),
      };
      const res = await new Http(baseUrl).ok<{
        sealed_root_key: string;
        member_id: string;
        root_key_epoch: number;
        canonical_v2: string;
        signature: string;
        owner_pubkey: string;
      }>('POST', `/api/public/invites/${code}/claim`, body);
      if (!verifyDetached(res.canonical_v2, res.signature, res.owner_pubkey)) throw new Error('claim: invite signature does not verify');
      const rootKey = openSealedRootKey(res.sealed_root_key, claimKeys.publicKey, claimKeys.secretKey);
      if (!rootKey) throw new Error('claim: sealed root key did not open');
      members[i] = { pubkey: id.publicKey, secretKey: id.secretKey, memberId: res.member_id, rootKeyEpoch: res.root_key_epoch, rootKey: toBase64Url(rootKey) };
      meshes[k].members.push(members[i]);
      if ((i + 1) % 1000 === 0) log(`claimed ${i + 1}/${peers}`);
    },
  );
  const claimSeconds = (Date.now() - t0) / 1000;
  for (const m of meshes) m.claimSeconds = claimSeconds;
  return { meshes, memberOf, members };
}

/** Counts durable message rows of the meshes (the bench's check that every acked send was stored). */
export async function countMessages(databaseUrl: string, meshIds: string[]): Promise<number> {
  const { Client } = await import('pg');
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const r = await c.query<{ n: string }>('SELECT count(*)::text AS n FROM mesh.message WHERE mesh_id = ANY($1::varchar[])', [meshIds]);
    return Number(r.rows[0].n);
  } finally {
    await c.end();
  }
}
