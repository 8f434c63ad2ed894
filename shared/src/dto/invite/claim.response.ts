import type { MemberRole } from '../../protocol/constants';

/** `POST /api/public/invites/:code/claim` → 200 (invites.md §4.3). snake_case on the wire. */
export interface ClaimInviteResponse {
  sealed_root_key: string;
  mesh_id: string;
  mesh_name: string;
  member_id: string;
  role: MemberRole;
  already_member: boolean;
  root_key_epoch: number;
  owner_pubkey: string;
  canonical_v2: string;
  signature: string;
  broker_url: string;
}

/** `POST /api/public/join` → 200 (invites.md §3.3). */
export interface JoinV1Response {
  member_id: string;
  mesh_id: string;
  mesh_name: string;
  role: MemberRole;
  already_member: boolean;
  broker_url: string;
  owner_pubkey: string;
  root_key_epoch: number;
}

/** `details.reason` values of invite errors (invites.md §4.3, §3.3). */
export type InviteErrorReason =
  | 'malformed'
  | 'not_found'
  | 'revoked'
  | 'mesh_archived'
  | 'expired'
  | 'version_mismatch'
  | 'member_removed'
  | 'exhausted'
  | 'bad_signature'
  | 'mesh_full'
  | 'signature'
  | 'owner_mismatch'
  | 'mesh_mismatch'
  | 'field_mismatch';
