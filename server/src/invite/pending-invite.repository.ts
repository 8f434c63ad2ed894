import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PendingInviteEntity } from '@claudemesh/database';

/** SQL for mesh.pending_invite (email invites, invites.md §9). */
@Injectable()
export class PendingInviteRepository {
  constructor(private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  /** Serialises mints for one (mesh, email) so two racing requests cannot both create a live pending invite. */
  async lockAddress(manager: EntityManager, key: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock($1::bigint)', [key]);
  }

  /** The invite id of an unaccepted, unrevoked pending invite whose invite is still valid, if any. */
  async findLive(manager: EntityManager, meshId: string, email: string): Promise<string | null> {
    const rows: { invite_id: string }[] = await manager.query(
      `SELECT p.invite_id FROM mesh.pending_invite p
         JOIN mesh.invite i ON i.id = p.invite_id
        WHERE p.mesh_id = $1 AND p.email = $2 AND p.accepted_at IS NULL AND p.revoked_at IS NULL
          AND i.revoked_at IS NULL AND i.expires_at > now() AND i.used_count < i.max_uses
        ORDER BY p.created_at DESC LIMIT 1`,
      [meshId, email],
    );
    return rows[0]?.invite_id ?? null;
  }

  async insert(
    manager: EntityManager,
    row: { id: string; meshId: string; inviteId: string; email: string; createdByAccountId: string },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO mesh.pending_invite (id, mesh_id, invite_id, email, created_by_account_id, sent_count, last_sent_at)
       VALUES ($1, $2, $3, $4, $5, 1, now())`,
      [row.id, row.meshId, row.inviteId, row.email, row.createdByAccountId],
    );
  }

  /** The newest pending row of an invite, locked for a resend. */
  findForInviteLocked(manager: EntityManager, inviteId: string): Promise<PendingInviteEntity | null> {
    return manager
      .createQueryBuilder(PendingInviteEntity, 'p')
      .setLock('pessimistic_write')
      .where('p.invite_id = :inviteId', { inviteId })
      .orderBy('p.created_at', 'DESC')
      .getOne();
  }

  findForInvite(inviteId: string): Promise<PendingInviteEntity | null> {
    return this.m().findOne(PendingInviteEntity, { where: { inviteId }, order: { createdAt: 'DESC' } });
  }

  async markSent(manager: EntityManager, id: string): Promise<void> {
    await manager.query(`UPDATE mesh.pending_invite SET sent_count = sent_count + 1, last_sent_at = now() WHERE id = $1`, [id]);
  }

  /** §6.2 step 4. */
  async markAccepted(manager: EntityManager, inviteId: string, memberId: string): Promise<void> {
    await manager.query(
      `UPDATE mesh.pending_invite SET accepted_at = now(), accepted_member_id = $2 WHERE invite_id = $1 AND accepted_at IS NULL`,
      [inviteId, memberId],
    );
  }

  async revokeForInvite(manager: EntityManager, inviteId: string): Promise<void> {
    await manager.query(`UPDATE mesh.pending_invite SET revoked_at = now() WHERE invite_id = $1 AND revoked_at IS NULL`, [inviteId]);
  }
}
