import { canonicalJson } from '../crypto/canonical-json';
import { sha256Hex } from '../crypto/encoding';

/** Audit event types (data-model.md §4). */
export const AUDIT_EVENT_TYPES = [
  'mesh.created',
  'mesh.renamed',
  'mesh.archived',
  'mesh.transferred',
  'mesh.root_key_rotated',
  'member.joined',
  'member.role_changed',
  'member.linked',
  'member.removed',
  'member.left',
  'invite.created',
  'invite.revoked',
  'invite.resent',
  'invite.claimed',
  'peer.connected',
  'peer.disconnected',
  'message.sent',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export const AUDIT_ACTOR_KINDS = ['account', 'member', 'system'] as const;
export type AuditActorKind = (typeof AUDIT_ACTOR_KINDS)[number];

/** Who did it: `account` for web/API actions, `member` for peer actions, `system` for sweepers. */
export interface AuditActor {
  kind: AuditActorKind;
  id: string | null;
  displayName: string | null;
}

/** The `data` of each type (metadata only, security.md §3 item 3). Documentation for writers; the chain stores it as given. */
export interface AuditDataByType {
  'mesh.created': { name: string };
  'mesh.renamed': { name: string };
  'mesh.archived': Record<string, never>;
  'mesh.transferred': { fromAccountId: string; toAccountId: string };
  'mesh.root_key_rotated': { epoch: number; reason: string };
  'member.joined': { memberId: string; pubkey: string; role: string; inviteId: string | null; via: string };
  'member.role_changed': { memberId: string; from: string; to: string };
  'member.linked': { memberId: string; accountId: string | null };
  'member.removed': { memberId: string };
  'member.left': { memberId: string };
  'invite.created': {
    inviteId: string;
    version: number;
    role: string;
    maxUses: number;
    expiresAt: string;
    byEmail: boolean;
  };
  'invite.revoked': { inviteId: string };
  'invite.resent': { inviteId: string };
  'invite.claimed': { inviteId: string; memberId: string; usedCount: number };
  'peer.connected': { memberId: string; sessionId: string; displayName: string };
  'peer.disconnected': { memberId: string; sessionId: string; reason: string };
  'message.sent': { messageId: string; from: string; to: string; priority: string; size: number; recipients: number };
}

/** One entry to append, as given to `AuditService.append(manager, meshId, entries)`. */
export interface AuditEntryInput {
  type: AuditEventType;
  actor: AuditActor;
  data: Record<string, unknown>;
}

/** An audit row as the API returns it (api.md §6). */
export interface AuditEvent {
  seq: number;
  type: AuditEventType;
  actor: AuditActor;
  data: Record<string, unknown>;
  createdAt: string;
  prevHash: string;
  hash: string;
}

export interface AuditListResponse {
  data: AuditEvent[];
  nextBefore: number | null;
}

export const AUDIT_BREAK_REASONS = ['seq_gap', 'prev_hash_mismatch', 'hash_mismatch'] as const;
export type AuditBreakReason = (typeof AUDIT_BREAK_REASONS)[number];

export type AuditVerifyResponse =
  | { valid: true; checked: number; headSeq: number; headHash: string }
  | { valid: false; checked: number; brokenAt: { seq: number; reason: AuditBreakReason } };

/** prev_hash of a mesh's first row. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);
export const AUDIT_LIST_DEFAULT_LIMIT = 50;
export const AUDIT_LIST_MAX_LIMIT = 200;
export const AUDIT_TYPE_PREFIX_PATTERN = /^[a-z_.]{1,40}$/;

/** The fields a row's hash covers. `createdAt` must be ISO 8601 UTC with milliseconds. */
export interface AuditHashInput {
  meshId: string;
  seq: number;
  type: string;
  actor: AuditActor;
  data: Record<string, unknown>;
  createdAt: string;
  prevHash: string;
}

/** The canonical JSON that a row's hash covers (data-model.md §4). */
export function auditCanonical(row: AuditHashInput): string {
  return canonicalJson({
    actor: { displayName: row.actor.displayName, id: row.actor.id, kind: row.actor.kind },
    createdAt: row.createdAt,
    data: row.data,
    meshId: row.meshId,
    prevHash: row.prevHash,
    seq: row.seq,
    type: row.type,
  });
}

/** Lowercase SHA-256 hex of the canonical JSON (needs `await cryptoReady()`). */
export function auditHash(row: AuditHashInput): string {
  return sha256Hex(auditCanonical(row));
}
