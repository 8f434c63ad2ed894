import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Rows removed per statement, as the delivery sweep does (data-model.md §6). */
export const RETENTION_BATCH = 5000;

/**
 * The retention deletes of data-model.md §6 that are not part of the delivery sweep. Each deletes at most `limit`
 * rows and returns how many it removed, so a tick can loop without one huge transaction.
 */
@Injectable()
export class RetentionRepository {
  constructor(private readonly dataSource: DataSource) {}

  private async deleteBatch(table: string, where: string, params: unknown[], limit: number): Promise<number> {
    const res = (await this.dataSource.query(
      `DELETE FROM mesh.${table} WHERE ctid IN (SELECT ctid FROM mesh.${table} WHERE ${where} LIMIT $${params.length + 1})`,
      [...params, limit],
    )) as [unknown[], number];
    return res[1];
  }

  /** presence-prune: presences that ended more than 7 days ago. */
  prunePresences(limit = RETENTION_BATCH): Promise<number> {
    return this.deleteBatch('presence', `ended_at < now() - interval '7 days'`, [], limit);
  }

  /**
   * session-prune: sessions expired or revoked more than 1 day ago. A session idle for longer than SESSION_IDLE_DAYS
   * is expired too (it can never be used again), so it goes one day after its idle expiry.
   */
  pruneSessions(idleDays: number, limit = RETENTION_BATCH): Promise<number> {
    return this.deleteBatch(
      'auth_session',
      `expires_at < now() - interval '1 day' OR revoked_at < now() - interval '1 day'
       OR last_used_at < now() - make_interval(days => $1::int + 1)`,
      [idleDays],
      limit,
    );
  }

  /** mail-prune: finished or stored mail older than 90 days (pending and sending rows are never removed). */
  pruneMail(limit = RETENTION_BATCH): Promise<number> {
    return this.deleteBatch(
      'mail_outbox',
      `status IN ('sent', 'failed', 'cancelled', 'stored') AND created_at < now() - interval '90 days'`,
      [],
      limit,
    );
  }

  /** node-reaper: server_node rows stopped, or silent, for more than 7 days (never this node's own row). */
  pruneNodes(selfId: string, limit = RETENTION_BATCH): Promise<number> {
    return this.deleteBatch(
      'server_node',
      `id <> $1::uuid AND (stopped_at < now() - interval '7 days'
       OR (stopped_at IS NULL AND last_heartbeat_at < now() - interval '7 days'))`,
      [selfId],
      limit,
    );
  }
}
