import type { InviteEntity, MeshEntity } from '@claudemesh/database';
import { keyFingerprint } from '@claudemesh/shared/crypto';
import {
  CONSENT_KEYS,
  ROLE_CAPABILITIES,
  type InviteLandingResponse,
  type InviteResponse,
} from '@claudemesh/shared/dto';
import { inviteOwnStatus, landingStatus } from './invite-lifecycle';
import { cliCommandOf, installCommandOf, shortUrlOf } from './invite-links';
import type { InviteListRow } from './invite.repository';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** The invite object (api.md §5). */
export function toInviteResponse(row: InviteListRow, publicUrl: string): InviteResponse {
  return {
    id: row.id,
    version: Number(row.version) as 1 | 2,
    code: row.code,
    shortUrl: row.code ? shortUrlOf(publicUrl, row.code) : null,
    role: row.role,
    maxUses: row.maxUses,
    usedCount: row.usedCount,
    status: inviteOwnStatus(row),
    expiresAt: row.expiresAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
    revokedAt: iso(row.revokedAt),
    createdBy:
      row.createdByAccountId && row.creatorDisplayName !== null
        ? { accountId: row.createdByAccountId, displayName: row.creatorDisplayName }
        : null,
    email: row.email,
    acceptedAt: iso(row.acceptedAt),
  };
}

/** The consent landing data (invites.md §8). */
export function toLandingResponse(
  inv: InviteEntity,
  mesh: MeshEntity,
  inviterName: string | null,
  counts: { members: number; online: number },
  publicUrl: string,
): InviteLandingResponse {
  const status = landingStatus(inv, mesh);
  const valid = status === 'valid';
  const shortUrl = valid && inv.code ? shortUrlOf(publicUrl, inv.code) : null;
  return {
    status,
    version: Number(inv.version) as 1 | 2,
    code: inv.code,
    mesh: { name: mesh.name, slug: mesh.slug },
    inviter: inviterName !== null ? { displayName: inviterName } : null,
    role: inv.role,
    roleCapabilities: [...ROLE_CAPABILITIES[inv.role]],
    memberCount: counts.members,
    onlineCount: counts.online,
    maxUses: inv.maxUses,
    usedCount: inv.usedCount,
    usesRemaining: Math.max(0, inv.maxUses - inv.usedCount),
    expiresAt: inv.expiresAt.toISOString(),
    revokedAt: iso(inv.revokedAt),
    shortUrl,
    cliCommand: shortUrl ? cliCommandOf(shortUrl) : null,
    installCommand: valid ? installCommandOf(publicUrl) : null,
    ownerKeyFingerprint: keyFingerprint(mesh.ownerPubkey),
    consent: [...CONSENT_KEYS],
  };
}
