import type { InviteEntity, MeshEntity } from '@claudemesh/database';
import type { InviteErrorReason, InviteLandingStatus, InviteStatus } from '@claudemesh/shared/dto';
import { AppError, type ErrorCode } from '@claudemesh/shared/errors';

/** invites.md §6.1 and api.md §5: lifecycle states, messages and `details.reason` values in one place. */

export const isExpired = (inv: InviteEntity, now = Date.now()): boolean => now >= inv.expiresAt.getTime();

/** The invite's own state, without the mesh (api.md §5). */
export function inviteOwnStatus(inv: InviteEntity, now = Date.now()): InviteStatus {
  if (inv.revokedAt) return 'revoked';
  if (isExpired(inv, now)) return 'expired';
  if (inv.usedCount >= inv.maxUses) return 'exhausted';
  return 'valid';
}

/** The landing state, in the order of §6.1 (revoked → mesh_archived → expired → exhausted). */
export function landingStatus(inv: InviteEntity, mesh: MeshEntity, now = Date.now()): InviteLandingStatus {
  if (inv.revokedAt) return 'revoked';
  if (mesh.archivedAt) return 'mesh_archived';
  if (isExpired(inv, now)) return 'expired';
  if (inv.usedCount >= inv.maxUses) return 'exhausted';
  return 'valid';
}

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  invite_malformed: 'The invite code or token is malformed.',
  invite_not_found: 'No invite matches this code.',
  invite_revoked: 'This invite was revoked.',
  mesh_archived: 'This mesh is archived.',
  invite_expired: 'This invite has expired.',
  invite_exhausted: 'This invite has been used up.',
  invite_version_mismatch: 'This is a v1 invite; redeem it with POST /api/public/join.',
  member_removed: 'This key was removed from the mesh after this invite was created.',
  invite_bad_signature: 'The invite signature does not verify.',
  invalid_proof: 'The proof does not verify.',
  mesh_full: 'The mesh has reached its member limit.',
};

export function inviteError(code: ErrorCode, reason: InviteErrorReason, extra: Record<string, unknown> = {}): AppError {
  return new AppError(code, MESSAGES[code] ?? 'The invite cannot be used.', { reason, ...extra });
}

/** The 410 (or the mesh's) error for a non-valid landing status. */
export function lifecycleError(status: Exclude<InviteLandingStatus, 'valid'>): AppError {
  switch (status) {
    case 'revoked':
      return inviteError('invite_revoked', 'revoked');
    case 'mesh_archived':
      return inviteError('mesh_archived', 'mesh_archived');
    case 'expired':
      return inviteError('invite_expired', 'expired');
    case 'exhausted':
      return inviteError('invite_exhausted', 'exhausted');
  }
}

/** The first of revoked → mesh_archived → expired, or null (exhaustion is checked separately). */
export function liveCheck(inv: InviteEntity, mesh: MeshEntity, now = Date.now()): AppError | null {
  if (inv.revokedAt) return lifecycleError('revoked');
  if (mesh.archivedAt) return lifecycleError('mesh_archived');
  if (isExpired(inv, now)) return lifecycleError('expired');
  return null;
}
