import type { AuditEvent, AuditVerifyResponse } from '@claudemesh/shared/protocol';

/** What an audit entry says, in words: a headline and an optional detail line, with names instead of ids. */
export interface AuditText {
  title: string;
  detail: string;
}

type Data = Record<string, unknown>;
/** Member names by member id, from the members list; ids never reach the page. */
export type MemberNames = ReadonlyMap<string, string>;

const role = (v: unknown) => (v === 'admin' ? 'admin' : 'member');
const uses = (n: unknown) => (n === 1 ? '1 use' : `${String(n)} uses`);
const ENDS: Record<string, string> = {
  closed: 'connection closed',
  timeout: 'timed out',
  left: 'left the mesh',
  removed: 'member removed',
  mesh_archived: 'mesh archived',
};
const ROTATIONS: Record<string, string> = {
  member_removed: 'after a member was removed',
  member_left: 'after a member left',
  manual: 'on request',
};

function memberName(d: Data, names: MemberNames, fallback = 'a member'): string {
  const id = typeof d['memberId'] === 'string' ? d['memberId'] : '';
  return names.get(id) ?? fallback;
}

/** The headline and detail of one audit entry (data-model.md §4 types; metadata only). */
export function auditText(e: AuditEvent, names: MemberNames = new Map()): AuditText {
  const d = (e.data ?? {}) as Data;
  switch (e.type) {
    case 'mesh.created':
      return { title: 'Created the mesh', detail: `Name “${String(d['name'])}”` };
    case 'mesh.renamed':
      return { title: 'Renamed the mesh', detail: `New name “${String(d['name'])}”` };
    case 'mesh.archived':
      return { title: 'Archived the mesh', detail: 'Sessions ended; invites stopped working' };
    case 'mesh.transferred':
      return { title: 'Transferred ownership', detail: '' };
    case 'mesh.root_key_rotated':
      return { title: 'Rotated the mesh key', detail: `Now epoch ${String(d['epoch'])} · ${ROTATIONS[String(d['reason'])] ?? String(d['reason'])}` };
    case 'member.joined':
      return { title: 'Joined the mesh', detail: `As ${role(d['role'])} · ${d['via'] === 'v1' ? 'legacy v1 link' : 'invite link'}` };
    case 'member.role_changed':
      return { title: `Changed the role of ${memberName(d, names)}`, detail: `From ${role(d['from'])} to ${role(d['to'])}` };
    case 'member.linked':
      return d['accountId']
        ? { title: `Linked ${memberName(d, names)} to a web account`, detail: '' }
        : { title: `Unlinked ${memberName(d, names)} from its web account`, detail: '' };
    case 'member.removed':
      return { title: `Removed ${memberName(d, names)}`, detail: 'Sessions ended; the mesh key was rotated' };
    case 'member.left':
      return { title: 'Left the mesh', detail: 'The mesh key was rotated' };
    case 'invite.created':
      return {
        title: d['byEmail'] ? 'Sent an email invite' : 'Created an invite link',
        detail: `For a ${role(d['role'])} · ${uses(d['maxUses'])}${d['version'] === 1 ? ' · legacy v1' : ''}`,
      };
    case 'invite.revoked':
      return { title: 'Revoked an invite', detail: '' };
    case 'invite.resent':
      return { title: 'Resent an invite email', detail: '' };
    case 'invite.claimed':
      return { title: 'Used an invite', detail: `Use number ${String(d['usedCount'])}` };
    case 'peer.connected':
      // The actor is usually the session itself; name it only when it differs.
      return { title: 'Session connected', detail: d['displayName'] && d['displayName'] !== e.actor.displayName ? `As ${String(d['displayName'])}` : '' };
    case 'peer.disconnected':
      return { title: 'Session disconnected', detail: ENDS[String(d['reason'])] ?? String(d['reason'] ?? '') };
    case 'message.sent': {
      const n = Number(d['recipients']);
      const to = n === 1 ? '1 recipient' : `${n} recipients`;
      return { title: 'Sent a message', detail: `To ${to} · priority ${String(d['priority'])} · ${String(d['size'])} bytes, encrypted` };
    }
    default:
      return { title: String(e.type), detail: '' };
  }
}

/** Who did it: a name when there is one, else the kind of actor in words. */
export function auditActor(e: AuditEvent): string {
  if (e.actor.displayName) return e.actor.displayName;
  return e.actor.kind === 'system' ? 'System' : e.actor.kind === 'member' ? 'A member' : 'An account';
}

const BREAKS: Record<string, string> = {
  hash_mismatch: 'its content does not match its hash',
  prev_hash_mismatch: 'it does not link to the entry before it',
  seq_gap: 'an entry before it is missing',
};

/** The verification result as one sentence. */
export function verifyText(v: AuditVerifyResponse): string {
  const entries = (n: number) => (n === 1 ? '1 entry' : `${n} entries`);
  if (v.valid) return `Chain intact: ${entries(v.checked)} checked, up to entry #${v.headSeq}.`;
  return `Chain broken at entry #${v.brokenAt.seq}: ${BREAKS[v.brokenAt.reason] ?? v.brokenAt.reason}. ${entries(v.checked)} before it verified.`;
}
