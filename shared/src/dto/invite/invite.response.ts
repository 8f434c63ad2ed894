import type { MemberRole } from '../../protocol/constants';

/** An invite's own state (api.md §5), in the order of invites.md §6.1 without the mesh. */
export type InviteStatus = 'valid' | 'revoked' | 'expired' | 'exhausted';
export type MailTransportName = 'outbox' | 'smtp' | 'postmark';
export type MailStatus = 'stored' | 'pending' | 'sending' | 'sent' | 'failed' | 'cancelled';

export interface InviteMailInfo {
  transport: MailTransportName;
  status: MailStatus;
  outboxId: string;
}

/** The invite object (api.md §5). Shown to admins only. */
export interface InviteResponse {
  id: string;
  version: 1 | 2;
  code: string | null;
  shortUrl: string | null;
  role: MemberRole;
  maxUses: number;
  usedCount: number;
  status: InviteStatus;
  expiresAt: string;
  createdAt: string;
  revokedAt: string | null;
  createdBy: { accountId: string; displayName: string } | null;
  email: string | null;
  acceptedAt: string | null;
}

/** `POST /api/meshes/:id/invites` → 201: the invite object plus the creation extras. */
export interface CreateInviteResponse extends InviteResponse {
  cliCommand: string;
  /** v2 only. */
  canonicalV2?: string;
  signature?: string;
  ownerPubkey?: string;
  /** v1 only, in this response only. */
  token?: string;
  joinUrl?: string;
  /** email invites only. */
  mail?: InviteMailInfo;
}

export interface InviteListResponse {
  data: InviteResponse[];
  nextCursor: string | null;
}

/** `POST /api/meshes/:id/invites/:inviteId/resend` → 200. */
export interface ResendInviteResponse {
  mail: InviteMailInfo;
}
