/**
 * The mesh fixture of the black-box suites and the bench, entirely through the real REST API: the first account
 * (setup token), a PAT, meshes, v2 invites, and v2 claims with a real proof (invites.md §4) whose response is verified
 * (owner signature over canonical_v2) and whose sealed root key is opened.
 */
import type { AccountEnvelope, ClaimInviteResponse, CreatedTokenResponse, CreateInviteResponse, MeshResponse } from '@claudemesh/shared/dto';
import {
  claimSigningString,
  generateClaimKeyPair,
  generateSigningKeyPair,
  openSealedRootKey,
  signDetached,
  verifyDetached,
  type Ed25519KeyPair,
} from '@claudemesh/shared/crypto';
import { RestClient, type RestClientOptions } from './rest-client';

/** A v2 invite admits at most this many claims here (one invite per 1 000 members). */
export const CLAIMS_PER_INVITE = 1000;

export interface AdminAccount {
  /** Uses the PAT (bearer); its cookie jar still holds the signup session. */
  api: RestClient;
  token: string;
  accountId: string;
  /** The signup session as a Cookie header value, and its decoded XSRF token. */
  cookie: string;
  xsrf: string;
}

export interface SignupOptions {
  email?: string;
  password?: string;
  displayName?: string;
  tokenName?: string;
  /** PAT lifetime; omitted → the server default. */
  tokenExpiresInDays?: number;
  client?: RestClientOptions;
}

/**
 * Signs up the first account and mints a PAT. Every node that starts on a database with no account prints its own
 * setup token and stores its hash, so only the last one written works: each given token is tried in turn.
 */
export async function signupFirstAccount(baseUrl: string, setupTokens: ReadonlyArray<string | null | undefined>, o: SignupOptions = {}): Promise<AdminAccount> {
  const api = new RestClient(baseUrl, o.client);
  const tokens = setupTokens.length ? setupTokens : [null];
  let account: AccountEnvelope | null = null;
  const failures: string[] = [];
  for (const setupToken of tokens) {
    const r = await api.call<AccountEnvelope>('POST', '/api/auth/signup', {
      email: o.email ?? 'admin@example.com',
      password: o.password ?? 'correct horse battery',
      displayName: o.displayName ?? 'Admin',
      ...(setupToken ? { setupToken } : {}),
    });
    if (r.status === 201) {
      account = r.json;
      break;
    }
    failures.push(`${r.status} ${r.text.slice(0, 300)}`);
  }
  if (!account) throw new Error(`signup failed with every setup token: ${failures.join(' | ')}`);
  const cookie = api.cookieHeader();
  const xsrf = api.xsrfToken() ?? '';
  const pat = await api.ok<CreatedTokenResponse>('POST', '/api/tokens', {
    name: o.tokenName ?? 'e2e',
    ...(o.tokenExpiresInDays !== undefined ? { expiresInDays: o.tokenExpiresInDays } : {}),
  });
  api.bearer = pat.token;
  return { api, token: pat.token, accountId: account.account.id, cookie, xsrf };
}

export async function createMeshViaApi(api: RestClient, name: string): Promise<MeshResponse> {
  return api.ok<MeshResponse>('POST', '/api/meshes', { name });
}

/** v2 invites for `members` claims: one per CLAIMS_PER_INVITE (at least one). */
export async function mintV2Invites(api: RestClient, meshId: string, members: number, o: { expiresInDays?: number } = {}): Promise<string[]> {
  const codes: string[] = [];
  let left = Math.max(1, members);
  do {
    const maxUses = Math.min(CLAIMS_PER_INVITE, left);
    const inv = await api.ok<CreateInviteResponse>('POST', `/api/meshes/${meshId}/invites`, {
      maxUses,
      ...(o.expiresInDays !== undefined ? { expiresInDays: o.expiresInDays } : {}),
    });
    if (!inv.code) throw new Error('invite: a v2 invite came back without a code');
    codes.push(inv.code);
    left -= maxUses;
  } while (left > 0);
  return codes;
}

/** The invite code the `indexInMesh`-th claimant of a mesh uses. */
export const codeFor = (codes: string[], indexInMesh: number): string => codes[Math.floor(indexInMesh / CLAIMS_PER_INVITE)];

/** A member admitted by a verified v2 claim: its identity, ids and the opened root key. */
export interface ClaimedMember {
  displayName: string;
  keys: Ed25519KeyPair;
  memberId: string;
  meshId: string;
  rootKeyEpoch: number;
  rootKey: Uint8Array;
  claim: ClaimInviteResponse;
}

/** One v2 claim with a real proof; throws unless the response verifies and the sealed root key opens. */
export async function claimV2(baseUrl: string, code: string, displayName: string, client?: RestClientOptions): Promise<ClaimedMember> {
  const keys = generateSigningKeyPair();
  const claimKeys = generateClaimKeyPair();
  const x = claimKeys.publicKeyBase64Url;
  const res = await new RestClient(baseUrl, client).ok<ClaimInviteResponse>('POST', `/api/public/invites/${code}/claim`, {
    recipient_x25519_pubkey: x,
    peer_pubkey: keys.publicKey,
    display_name: displayName,
    proof: signDetached(claimSigningString(code, x), keys.secretKey),
  });
  if (!verifyDetached(res.canonical_v2, res.signature, res.owner_pubkey)) throw new Error('claim: invite signature does not verify');
  const rootKey = openSealedRootKey(res.sealed_root_key, claimKeys.publicKey, claimKeys.secretKey);
  if (!rootKey) throw new Error('claim: the sealed root key did not open');
  return { displayName, keys, memberId: res.member_id, meshId: res.mesh_id, rootKeyEpoch: res.root_key_epoch, rootKey, claim: res };
}

/** Runs `fn` over `items` with at most `concurrency` in flight. */
export async function pool<T>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
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

export interface ClaimJob {
  code: string;
  displayName: string;
}

/** Claims every job (at most `concurrency` at once); result i belongs to job i. */
export async function claimAll(
  baseUrl: string,
  jobs: ClaimJob[],
  o: { concurrency?: number; client?: RestClientOptions; onClaimed?: (m: ClaimedMember, i: number) => void } = {},
): Promise<ClaimedMember[]> {
  const out: ClaimedMember[] = new Array(jobs.length);
  await pool(jobs, o.concurrency ?? 8, async (job, i) => {
    out[i] = await claimV2(baseUrl, job.code, job.displayName, o.client);
    o.onClaimed?.(out[i], i);
  });
  return out;
}

/** A mesh with `count` members, each admitted through its own verified v2 claim. */
export async function createMeshWithMembers(
  api: RestClient,
  count: number,
  o: { name: string; displayName?: (i: number) => string; expiresInDays?: number; concurrency?: number; client?: RestClientOptions },
): Promise<{ mesh: MeshResponse; members: ClaimedMember[] }> {
  const mesh = await createMeshViaApi(api, o.name);
  const codes = await mintV2Invites(api, mesh.id, count, { expiresInDays: o.expiresInDays });
  const name = o.displayName ?? ((i: number) => `peer-${i}`);
  const jobs = Array.from({ length: count }, (_, i) => ({ code: codeFor(codes, i), displayName: name(i) }));
  const members = await claimAll(api.baseUrl, jobs, { concurrency: o.concurrency, client: o.client });
  return { mesh, members };
}
