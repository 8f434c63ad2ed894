import type { MeshEntity, PresenceEntity } from '@claudemesh/database';
import type { MemberResponse, MemberSessionResponse, MeshListItem, MeshResponse } from '@claudemesh/shared/dto';
import type { MeshRole } from '@claudemesh/shared/protocol';
import type { MemberWithAccount } from './member.repository';
import type { MeshCountsRow, MeshListRow } from './mesh.repository';

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

/** The mesh object of api.md §3: never the owner secret key or a root key. */
export function toMeshResponse(
  mesh: MeshEntity,
  role: MeshRole,
  owner: { id: string; displayName: string },
  counts: MeshCountsRow,
): MeshResponse {
  return {
    id: mesh.id,
    name: mesh.name,
    slug: mesh.slug,
    role,
    owner: { accountId: owner.id, displayName: owner.displayName },
    ownerPubkey: mesh.ownerPubkey,
    rootKeyEpoch: mesh.rootKeyEpoch,
    createdAt: mesh.createdAt.toISOString(),
    archivedAt: iso(mesh.archivedAt),
    counts: { members: counts.members, online: counts.online, pendingInvites: role === 'owner' || role === 'admin' ? counts.pending_invites : null },
  };
}

export const toMeshListItem = (r: MeshListRow): MeshListItem => ({
  id: r.id,
  name: r.name,
  slug: r.slug,
  role: r.role,
  createdAt: new Date(r.created_at).toISOString(),
  archivedAt: iso(r.archived_at),
  memberCount: r.member_count,
  onlineCount: r.online_count,
});

export const toSessionResponse = (p: PresenceEntity): MemberSessionResponse => ({
  sessionId: p.sessionId,
  displayName: p.displayName,
  status: p.status,
  statusSource: p.statusSource,
  summary: p.summary,
  cwd: p.cwd,
  connected: p.disconnectedAt === null,
  connectedAt: p.connectedAt.toISOString(),
});

/** `linkedAccount.email` only for admin+ viewers (api.md §4). */
export function toMemberResponse(row: MemberWithAccount, presences: PresenceEntity[], viewerIsAdmin: boolean): MemberResponse {
  const { member, account } = row;
  const sessions = presences.filter((p) => p.memberId === member.id).map(toSessionResponse);
  return {
    id: member.id,
    displayName: member.displayName,
    pubkey: member.peerPubkey,
    role: member.role,
    groups: member.groups ?? [],
    joinedAt: member.joinedAt.toISOString(),
    lastSeenAt: iso(member.lastSeenAt),
    removedAt: iso(member.revokedAt),
    linkedAccount: account
      ? { accountId: account.id, displayName: account.displayName, ...(viewerIsAdmin ? { email: account.email } : {}) }
      : null,
    online: sessions.some((s) => s.connected),
    sessions,
  };
}
