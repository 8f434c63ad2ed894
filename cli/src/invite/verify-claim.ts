import { fromBase64Url, ID_PATTERN, isValidPeerPubkey, verifyDetached } from '@claudemesh/shared/crypto';
import type { ClaimInviteResponse } from '@claudemesh/shared/dto';
import { CliError, EXIT } from '../errors';

const orphanHint = (r: Partial<ClaimInviteResponse>) =>
  typeof r?.member_id === 'string' ? ` (member ${r.member_id} was created; an admin can remove it)` : '';

function refuse(r: unknown, why: string): never {
  throw new CliError(EXIT.failure, `the server's invite response was refused: ${why}; nothing was saved${orphanHint(r as Partial<ClaimInviteResponse>)}`);
}

/**
 * invites.md §4.4 steps 1–3: every field well formed, canonical_v2 structure, and the owner signature over it.
 * Runs before anything is unsealed.
 */
export function verifyClaimResponse(r: unknown): ClaimInviteResponse {
  const o = r as Record<string, unknown>;
  if (!o || typeof o !== 'object') refuse(r, 'not a JSON object');
  const ok =
    typeof o.sealed_root_key === 'string' && fromBase64Url(o.sealed_root_key) !== null &&
    typeof o.mesh_id === 'string' && ID_PATTERN.test(o.mesh_id) &&
    typeof o.mesh_name === 'string' && o.mesh_name.length > 0 &&
    typeof o.member_id === 'string' && ID_PATTERN.test(o.member_id) &&
    (o.role === 'admin' || o.role === 'member') &&
    typeof o.already_member === 'boolean' &&
    typeof o.root_key_epoch === 'number' && Number.isInteger(o.root_key_epoch) && o.root_key_epoch > 0 &&
    isValidPeerPubkey(o.owner_pubkey) &&
    typeof o.canonical_v2 === 'string' &&
    typeof o.signature === 'string' && /^[0-9a-f]{128}$/.test(o.signature) &&
    typeof o.broker_url === 'string';
  if (!ok) refuse(r, 'fields missing or malformed');
  const resp = o as unknown as ClaimInviteResponse;
  const parts = resp.canonical_v2.split('|');
  if (
    parts.length !== 6 ||
    parts[0] !== 'v=2' ||
    parts[1] !== resp.mesh_id ||
    !/^(0|[1-9][0-9]*)$/.test(parts[3]) ||
    parts[4] !== resp.role ||
    parts[5] !== resp.owner_pubkey
  ) {
    refuse(r, 'canonical_v2 does not match the response');
  }
  if (!verifyDetached(resp.canonical_v2, resp.signature, resp.owner_pubkey)) {
    refuse(r, 'the invite signature does not verify with owner_pubkey');
  }
  return resp;
}

/**
 * The whole of invites.md §4.4 before saving: verify (steps 1–3), the pinned owner key (4), then unseal and check
 * that the root key is exactly 32 bytes (5). `unseal` is only called once everything before it passed.
 */
export function acceptClaimResponse(
  raw: unknown,
  ctx: { pinnedOwnerPubkey?: string; unseal: (sealed: string) => Uint8Array | null },
): { resp: ClaimInviteResponse; rootKey: Uint8Array } {
  const resp = verifyClaimResponse(raw);
  if (ctx.pinnedOwnerPubkey && ctx.pinnedOwnerPubkey !== resp.owner_pubkey) {
    refuse(resp, `the mesh's owner key differs from the one pinned when it was first joined`);
  }
  const rootKey = ctx.unseal(resp.sealed_root_key);
  if (!rootKey || rootKey.length !== 32) refuse(resp, 'the sealed root key did not open to 32 bytes');
  return { resp, rootKey };
}
