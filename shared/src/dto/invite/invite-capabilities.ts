import type { MemberRole } from '../../protocol/constants';

/** Role capability keys shown on the landing badge (invites.md §8). */
export const ROLE_CAPABILITY_KEYS = [
  'send_receive',
  'see_peers',
  'read_audit',
  'manage_invites',
  'manage_members',
  'manage_mesh',
] as const;
export type RoleCapability = (typeof ROLE_CAPABILITY_KEYS)[number];

export const ROLE_CAPABILITIES: Record<MemberRole, RoleCapability[]> = {
  member: ['send_receive', 'see_peers', 'read_audit'],
  admin: ['send_receive', 'see_peers', 'read_audit', 'manage_invites', 'manage_members', 'manage_mesh'],
};

export const ROLE_CAPABILITY_SENTENCES: Record<RoleCapability, string> = {
  send_receive: 'exchange end-to-end encrypted messages with every peer in the mesh',
  see_peers: 'see who is online, with status, summary and groups',
  read_audit: "read the mesh's audit log (metadata only)",
  manage_invites: 'create, resend and revoke invites',
  manage_members: 'remove members and change their roles',
  manage_mesh: 'rename the mesh and rotate its key',
};

/** Consent keys, in the order the landing lists them (invites.md §8). */
export const CONSENT_KEYS = [
  'local_keypair',
  'e2e_direct',
  'group_key',
  'metadata_visible',
  'audit_log',
  'leave_anytime',
] as const;
export type ConsentKey = (typeof CONSENT_KEYS)[number];

export const CONSENT_SENTENCES: Record<ConsentKey, string> = {
  local_keypair: 'a keypair is created on your machine; its secret key never leaves it',
  e2e_direct: 'direct messages are end-to-end encrypted; the server cannot read them',
  group_key: 'broadcast and group messages are encrypted with a mesh key held by members and by this server',
  metadata_visible:
    'your display name, status, summary, groups and working directory are visible to members and admins; the server sees who messages whom, and when',
  audit_log: "joins, departures and message metadata are recorded in the mesh's audit log",
  leave_anytime: 'you can leave at any time with `claudemesh leave <mesh>`',
};

export const ROLE_LABELS: Record<MemberRole, string> = { member: 'Member', admin: 'Admin' };

/** One sentence for mail and badges: "As a member you can …, … and …". */
export function roleCapabilitySentence(role: MemberRole): string {
  const parts = ROLE_CAPABILITIES[role].map((k) => ROLE_CAPABILITY_SENTENCES[k]);
  const list = parts.length > 1 ? `${parts.slice(0, -1).join('; ')}; and ${parts[parts.length - 1]}` : parts[0];
  return `As ${role === 'admin' ? 'an admin' : 'a member'} you can ${list}.`;
}

/** Landing states and their texts (invites.md §8.1); `{…}` placeholders are filled by the page. */
export const INVITE_LANDING_STATE_TEXTS = {
  expired: { title: 'This invite has expired', detail: 'Expired on {expiresAt}' },
  revoked: { title: 'This invite was revoked', detail: 'Revoked on {revokedAt}' },
  exhausted: { title: 'This invite has been used up', detail: 'All {maxUses} uses were redeemed' },
  mesh_archived: { title: 'This mesh is no longer active', detail: '{mesh} was archived' },
  invite_malformed: { title: 'This link is incomplete', detail: 'Check that you copied the whole link' },
  invite_bad_signature: { title: 'This invite is not genuine', detail: 'Ask for a fresh link through a channel you trust' },
  invite_not_found: { title: 'No invite matches this link', detail: 'It may have been mistyped' },
} as const;
