import { fromBase64Url, fromUtf8, isHex128, isHex64, sha256Hex, toBase64Url, utf8 } from './encoding';
import { signDetached } from './keys';
import { ID_PATTERN } from './ids';

/** The v1 token payload; key order is part of the format (invites.md §3.1). */
export interface InviteV1Payload {
  v: 1;
  mesh_id: string;
  mesh_slug: string;
  broker_url: string;
  expires_at: number;
  mesh_root_key: string;
  role: 'admin' | 'member';
  owner_pubkey: string;
  signature: string;
}

export type InviteV1Unsigned = Omit<InviteV1Payload, 'signature'>;

export const inviteV1Canonical = (p: InviteV1Unsigned): string =>
  `${p.v}|${p.mesh_id}|${p.mesh_slug}|${p.broker_url}|${p.expires_at}|${p.mesh_root_key}|${p.role}|${p.owner_pubkey}`;

/** Signs and serialises a v1 token with the keys in the contract's order. */
export function buildInviteV1Token(p: InviteV1Unsigned, ownerSecretKeyHex: string): { token: string; payload: InviteV1Payload } {
  const signature = signDetached(inviteV1Canonical(p), ownerSecretKeyHex);
  const payload: InviteV1Payload = {
    v: 1,
    mesh_id: p.mesh_id,
    mesh_slug: p.mesh_slug,
    broker_url: p.broker_url,
    expires_at: p.expires_at,
    mesh_root_key: p.mesh_root_key,
    role: p.role,
    owner_pubkey: p.owner_pubkey,
    signature,
  };
  return { token: toBase64Url(utf8(JSON.stringify(payload))), payload };
}

/** Decodes a v1 token into a well-formed payload, or null (→ invite_malformed). */
export function parseInviteV1Token(token: unknown): InviteV1Payload | null {
  if (typeof token !== 'string' || token.length === 0 || token.length > 4096) return null;
  const bytes = fromBase64Url(token);
  if (!bytes) return null;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(fromUtf8(bytes));
  } catch {
    return null;
  }
  if (!o || typeof o !== 'object' || Array.isArray(o)) return null;
  const ok =
    o.v === 1 &&
    typeof o.mesh_id === 'string' && ID_PATTERN.test(o.mesh_id) &&
    typeof o.mesh_slug === 'string' &&
    typeof o.broker_url === 'string' &&
    typeof o.expires_at === 'number' && Number.isSafeInteger(o.expires_at) && o.expires_at > 0 &&
    typeof o.mesh_root_key === 'string' && /^[A-Za-z0-9_-]{43}$/.test(o.mesh_root_key) &&
    (o.role === 'admin' || o.role === 'member') &&
    isHex64(o.owner_pubkey) &&
    isHex128(o.signature);
  return ok ? (o as unknown as InviteV1Payload) : null;
}

export const inviteTokenHash = (token: string): string => sha256Hex(token);

/** Maps a broker_url to the server origin: ws→http, wss→https, path dropped. */
export function brokerOrigin(brokerUrl: string): string {
  const u = new URL(brokerUrl);
  const proto = u.protocol === 'ws:' ? 'http:' : u.protocol === 'wss:' ? 'https:' : u.protocol;
  return `${proto}//${u.host}`;
}
