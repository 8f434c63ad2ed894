import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { AuditActorKind } from '@claudemesh/shared/protocol';

/** An audit_event row as this module reads it (snake_case columns mapped by hand; seq fits an int). */
export interface AuditRow {
  seq: number;
  type: string;
  actorKind: AuditActorKind;
  actorId: string | null;
  actorDisplayName: string | null;
  data: Record<string, unknown>;
  createdAt: Date;
  prevHash: string;
  hash: string;
}

/** A row to insert: the hash was computed from exactly these values. */
export interface AuditInsertRow {
  seq: number;
  type: string;
  actorKind: AuditActorKind;
  actorId: string | null;
  actorDisplayName: string | null;
  dataJson: string;
  createdAtIso: string;
  prevHash: string;
  hash: string;
}

/** The columns of a message row that a `message.sent` entry needs (never nonce or ciphertext). */
export interface UnauditedMessageRow {
  id: string;
  meshId: string;
  seq: string;
  senderMemberId: string;
  senderDisplayName: string;
  target: string;
  priority: string;
  sizeBytes: number;
  recipientCount: number;
}

const ROW_COLUMNS = `seq, type, actor_kind AS "actorKind", actor_id AS "actorId", actor_display_name AS "actorDisplayName",
  data, created_at AS "createdAt", prev_hash AS "prevHash", hash`;

/** SQL of the audit chain (data-model.md §4). Every method takes the manager of the caller's transaction, if any. */
@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  private q(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  async lockMesh(manager: EntityManager, advisoryKey: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock($1::bigint)', [advisoryKey]);
  }

  async head(manager: EntityManager, meshId: string): Promise<{ seq: number; hash: string } | null> {
    const rows: { seq: number; hash: string }[] = await manager.query(
      'SELECT seq, hash FROM mesh.audit_event WHERE mesh_id = $1 ORDER BY seq DESC LIMIT 1',
      [meshId],
    );
    return rows[0] ?? null;
  }

  /** One statement for the whole batch: unnest keeps the parameter count fixed. */
  async insertMany(manager: EntityManager, meshId: string, rows: AuditInsertRow[]): Promise<void> {
    await manager.query(
      `INSERT INTO mesh.audit_event (mesh_id, seq, type, actor_kind, actor_id, actor_display_name, data, created_at, prev_hash, hash)
       SELECT $1, t.seq, t.type, t.actor_kind, t.actor_id, t.actor_display_name, t.data::jsonb, t.created_at::timestamptz, t.prev_hash, t.hash
       FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
         AS t(seq, type, actor_kind, actor_id, actor_display_name, data, created_at, prev_hash, hash)`,
      [
        meshId,
        rows.map((r) => r.seq),
        rows.map((r) => r.type),
        rows.map((r) => r.actorKind),
        rows.map((r) => r.actorId),
        rows.map((r) => r.actorDisplayName),
        rows.map((r) => r.dataJson),
        rows.map((r) => r.createdAtIso),
        rows.map((r) => r.prevHash),
        rows.map((r) => r.hash),
      ],
    );
  }

  /** Newest first; fetches one extra row to know whether another page exists. */
  async listPage(meshId: string, limit: number, before: number | null, typePrefix: string | null): Promise<AuditRow[]> {
    return this.dataSource.query(
      `SELECT ${ROW_COLUMNS} FROM mesh.audit_event
       WHERE mesh_id = $1 AND ($2::int IS NULL OR seq < $2::int) AND ($3::text IS NULL OR starts_with(type, $3::text))
       ORDER BY seq DESC LIMIT $4`,
      [meshId, before, typePrefix, limit + 1],
    );
  }

  /** Oldest first, the page after `afterSeq`. */
  async pageAfter(manager: EntityManager, meshId: string, afterSeq: number, limit: number): Promise<AuditRow[]> {
    return manager.query(
      `SELECT ${ROW_COLUMNS} FROM mesh.audit_event WHERE mesh_id = $1 AND seq > $2 ORDER BY seq ASC LIMIT $3`,
      [meshId, afterSeq, limit],
    );
  }

  /** Locks up to `limit` unaudited messages in seq order; rows another transaction holds are skipped. */
  async lockUnauditedMessages(manager: EntityManager, limit: number): Promise<UnauditedMessageRow[]> {
    return manager.query(
      // ORDER BY names m.seq: a bare `seq` would bind to the text alias and sort 1, 10, 11, 2 …
      `SELECT id, mesh_id AS "meshId", seq::text AS seq, sender_member_id AS "senderMemberId",
              sender_display_name AS "senderDisplayName", target, priority, size_bytes AS "sizeBytes",
              recipient_count AS "recipientCount"
       FROM mesh.message m WHERE audited_at IS NULL ORDER BY m.seq ASC LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
  }

  async markAudited(manager: EntityManager, messageIds: string[]): Promise<void> {
    await manager.query('UPDATE mesh.message SET audited_at = now() WHERE id = ANY($1::varchar[])', [messageIds]);
  }

  /** Age in seconds of the oldest unaudited message, or 0. */
  async auditLagSeconds(manager?: EntityManager): Promise<number> {
    const rows: { lag: string | null }[] = await this.q(manager).query(
      `SELECT extract(epoch FROM now() - created_at)::float8 AS lag FROM mesh.message
       WHERE audited_at IS NULL ORDER BY seq ASC LIMIT 1`,
    );
    return rows.length && rows[0].lag !== null ? Math.max(0, Number(rows[0].lag)) : 0;
  }
}
