import type { MeshRole, PeerStatus, StatusSource } from '../../protocol/constants';

/** The mesh object (api.md §3). Never carries the owner secret key or a root key. */
export interface MeshResponse {
  id: string;
  name: string;
  slug: string;
  role: MeshRole;
  owner: { accountId: string; displayName: string };
  ownerPubkey: string;
  rootKeyEpoch: number;
  createdAt: string;
  archivedAt: string | null;
  counts: { members: number; online: number; pendingInvites: number | null };
}

/** An item of GET /api/meshes. */
export interface MeshListItem {
  id: string;
  name: string;
  slug: string;
  role: MeshRole;
  createdAt: string;
  archivedAt: string | null;
  memberCount: number;
  onlineCount: number;
}

/** One live (non-ended, non-passive) session of a member. `connected:false` = in grace. */
export interface MemberSessionResponse {
  sessionId: string;
  displayName: string;
  status: PeerStatus;
  statusSource: StatusSource;
  summary: string;
  cwd: string | null;
  connected: boolean;
  connectedAt: string;
}

/** A member (api.md §4). `linkedAccount.email` only for admin+. */
export interface MemberResponse {
  id: string;
  displayName: string;
  pubkey: string;
  role: 'admin' | 'member';
  groups: string[];
  joinedAt: string;
  lastSeenAt: string | null;
  removedAt: string | null;
  linkedAccount: { accountId: string; displayName: string; email?: string } | null;
  online: boolean;
  sessions: MemberSessionResponse[];
}

/** DELETE /api/meshes/:id/members/:memberId. */
export interface RemovedMemberResponse {
  id: string;
  removedAt: string;
}

/** POST /api/meshes/:id/rotate-root-key. */
export interface RotateRootKeyResponse {
  epoch: number;
}
