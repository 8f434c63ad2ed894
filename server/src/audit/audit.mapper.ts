import type { AuditEvent, AuditEventType, AuditHashInput } from '@claudemesh/shared/protocol';
import type { AuditRow } from './audit.repository';

/** The fields a stored row's hash covers, exactly as read back from PostgreSQL. */
export function rowToHashInput(meshId: string, row: AuditRow): AuditHashInput {
  return {
    meshId,
    seq: row.seq,
    type: row.type,
    actor: { kind: row.actorKind, id: row.actorId, displayName: row.actorDisplayName },
    data: row.data,
    createdAt: row.createdAt.toISOString(),
    prevHash: row.prevHash,
  };
}

/** The API shape of api.md §6. */
export function rowToAuditEvent(row: AuditRow): AuditEvent {
  return {
    seq: row.seq,
    type: row.type as AuditEventType,
    actor: { kind: row.actorKind, id: row.actorId, displayName: row.actorDisplayName },
    data: row.data,
    createdAt: row.createdAt.toISOString(),
    prevHash: row.prevHash,
    hash: row.hash,
  };
}
