import type { MemberRole } from '../../protocol/constants';
import type { ConsentKey, RoleCapability } from './invite-capabilities';

/** Landing status, chosen in the order of invites.md §6.1. */
export type InviteLandingStatus = 'valid' | 'revoked' | 'mesh_archived' | 'expired' | 'exhausted';

/** `GET /api/public/invites/:ref` → 200 (invites.md §8). camelCase. */
export interface InviteLandingResponse {
  status: InviteLandingStatus;
  version: 1 | 2;
  code: string | null;
  mesh: { name: string; slug: string };
  inviter: { displayName: string } | null;
  role: MemberRole;
  roleCapabilities: RoleCapability[];
  memberCount: number;
  onlineCount: number;
  maxUses: number;
  usedCount: number;
  usesRemaining: number;
  expiresAt: string;
  revokedAt: string | null;
  shortUrl: string | null;
  cliCommand: string | null;
  installCommand: string | null;
  ownerKeyFingerprint: string;
  consent: ConsentKey[];
}

/** `GET /api/public/invite-code/:code` → 200 (invites.md §5). `token` is the v1 token, or the code for v2. */
export interface InviteCodeResolution {
  token: string;
  version: 1 | 2;
}
