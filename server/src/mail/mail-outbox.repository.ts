import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { MailOutboxEntity } from '@claudemesh/database';
import type { MailStatus, MailTransportName } from '@claudemesh/shared/dto';
import { assertCursorRow } from '../auth/cursor';

export interface NewMailRow {
  id: string;
  meshId: string | null;
  inviteId: string | null;
  pendingInviteId: string | null;
  toAddress: string;
  fromAddress: string;
  subject: string;
  textBody: string;
  htmlBody: string;
  transport: MailTransportName;
  status: 'stored' | 'pending';
}

export interface MailListFilter {
  meshId: string | null;
  status: MailStatus | null;
  limit: number;
  /** Keyset: rows strictly older than the row with this id (its exact created_at is read in SQL). */
  afterId: string | null;
}

/** SQL for mesh.mail_outbox. */
@Injectable()
export class MailOutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  async insert(manager: EntityManager, row: NewMailRow): Promise<MailOutboxEntity> {
    const entity = manager.create(MailOutboxEntity, { ...row, attempts: 0, nextAttemptAt: new Date() });
    await manager.insert(MailOutboxEntity, entity);
    return (await manager.findOneByOrFail(MailOutboxEntity, { id: row.id })) as MailOutboxEntity;
  }

  /** Moves the invite's unsent mail (pending or stored) to cancelled. */
  async cancelUnsentForInvite(manager: EntityManager, inviteId: string): Promise<number> {
    const res = await manager.query(
      `UPDATE mesh.mail_outbox SET status = 'cancelled' WHERE invite_id = $1 AND status IN ('pending', 'stored')`,
      [inviteId],
    );
    return Number(res?.[1] ?? 0);
  }

  /** Rows stuck in `sending` (a crashed sender) go back to `pending`. */
  async releaseStale(olderThanSeconds: number): Promise<number> {
    const res = await this.m().query(
      `UPDATE mesh.mail_outbox SET status = 'pending', next_attempt_at = now()
        WHERE status = 'sending' AND next_attempt_at < now() - make_interval(secs => $1)`,
      [olderThanSeconds],
    );
    return Number(res?.[1] ?? 0);
  }

  /**
   * Claims up to `limit` due pending rows (FOR UPDATE SKIP LOCKED) and marks them `sending`; `next_attempt_at` is
   * stamped with the claim time so a stale `sending` row can be recognised.
   */
  async claimDue(limit: number): Promise<MailOutboxEntity[]> {
    const [rows]: [{ id: string }[], number] = await this.m().query(
      `UPDATE mesh.mail_outbox SET status = 'sending', next_attempt_at = now()
        WHERE id IN (
          SELECT id FROM mesh.mail_outbox
           WHERE status = 'pending' AND next_attempt_at <= now()
           ORDER BY next_attempt_at, id
           LIMIT $1
           FOR UPDATE SKIP LOCKED)
        RETURNING id`,
      [limit],
    );
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    return this.m()
      .getRepository(MailOutboxEntity)
      .createQueryBuilder('o')
      .where('o.id IN (:...ids)', { ids })
      .orderBy('o.created_at', 'ASC')
      .getMany();
  }

  async markSent(id: string, providerMessageId: string): Promise<void> {
    await this.m().query(
      `UPDATE mesh.mail_outbox SET status = 'sent', sent_at = now(), provider_message_id = $2, attempts = attempts + 1, last_error = NULL
        WHERE id = $1 AND status = 'sending'`,
      [id, providerMessageId || null],
    );
  }

  /** A failed attempt: back to pending after `backoffSeconds`, or `failed` once `maxAttempts` is reached. */
  async markAttemptFailed(id: string, lastError: string, backoffSeconds: number, maxAttempts: number): Promise<void> {
    await this.m().query(
      `UPDATE mesh.mail_outbox
          SET attempts = attempts + 1,
              last_error = $2,
              status = CASE WHEN attempts + 1 >= $4 THEN 'failed' ELSE 'pending' END,
              next_attempt_at = now() + make_interval(secs => $3)
        WHERE id = $1 AND status = 'sending'`,
      [id, lastError, backoffSeconds, maxAttempts],
    );
  }

  async list(filter: MailListFilter): Promise<MailOutboxEntity[]> {
    const qb = this.m().getRepository(MailOutboxEntity).createQueryBuilder('o');
    if (filter.meshId) qb.andWhere('o.mesh_id = :meshId', { meshId: filter.meshId });
    if (filter.status) qb.andWhere('o.status = :status', { status: filter.status });
    if (filter.afterId) {
      await assertCursorRow(qb.dataSource, 'mail_outbox', filter.afterId, filter.meshId ? { mesh_id: filter.meshId } : {});
      qb.andWhere('(o.created_at, o.id) < (SELECT c.created_at, c.id FROM mesh.mail_outbox c WHERE c.id = :afterId)', {
        afterId: filter.afterId,
      });
    }
    return qb.orderBy('o.created_at', 'DESC').addOrderBy('o.id', 'DESC').limit(filter.limit).getMany();
  }

  async meshExists(meshId: string): Promise<boolean> {
    const rows = await this.m().query(`SELECT 1 FROM mesh.mesh WHERE id = $1`, [meshId]);
    return rows.length > 0;
  }
}
