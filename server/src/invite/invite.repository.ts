import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { AccountEntity, InviteEntity, MeshEntity } from '@claudemesh/database';
import type { InviteStatusFilter } from '@claudemesh/shared/dto';
import { assertCursorRow } from '../auth/cursor';

export interface NewInviteRow {
  id: string;
  meshId: string;
  version: 1 | 2;
  role: 'admin' | 'member';
  maxUses: number;
  expiresAt: Date;
  canonicalV2: string | null;
  signatureV2: string | null;
  tokenHash: string | null;
  tokenEnc: string | null;
  createdByAccountId: string;
}

/** An invite row with what the invite object shows beside it. */
export interface InviteListRow extends InviteEntity {
  creatorDisplayName: string | null;
  email: string | null;
  acceptedAt: Date | null;
}

const isCodeCollision = (e: unknown): boolean =>
  e instanceof QueryFailedError && (e as unknown as { constraint?: string }).constraint === 'invite_code_uq';

const STATUS_SQL: Record<Exclude<InviteStatusFilter, 'all'>, string> = {
  revoked: 'i.revoked_at IS NOT NULL',
  expired: 'i.revoked_at IS NULL AND i.expires_at <= now()',
  exhausted: 'i.revoked_at IS NULL AND i.expires_at > now() AND i.used_count >= i.max_uses',
  valid: 'i.revoked_at IS NULL AND i.expires_at > now() AND i.used_count < i.max_uses',
};

/** SQL for mesh.invite (and the reads around it: mesh, creator). */
@Injectable()
export class InviteRepository {
  constructor(private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  /**
   * Inserts the row with a code from `nextCode`, retrying on an `invite_code_uq` collision inside a savepoint of the
   * caller's transaction (invites.md §2). Returns the code used, or null after `attempts` collisions.
   */
  async insertWithFreshCode(manager: EntityManager, row: NewInviteRow, nextCode: () => string, attempts: number): Promise<string | null> {
    for (let i = 0; i < attempts; i++) {
      const code = nextCode();
      await manager.query('SAVEPOINT invite_code');
      try {
        await manager.query(
          `INSERT INTO mesh.invite (id, mesh_id, version, code, role, max_uses, used_count, expires_at,
                                    canonical_v2, signature_v2, token_hash, token_enc, created_by_account_id)
           VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9, $10, $11, $12)`,
          [row.id, row.meshId, row.version, code, row.role, row.maxUses, row.expiresAt, row.canonicalV2, row.signatureV2,
            row.tokenHash, row.tokenEnc, row.createdByAccountId],
        );
        await manager.query('RELEASE SAVEPOINT invite_code');
        return code;
      } catch (e) {
        await manager.query('ROLLBACK TO SAVEPOINT invite_code');
        if (!isCodeCollision(e)) throw e;
      }
    }
    return null;
  }

  findById(id: string, manager?: EntityManager): Promise<InviteEntity | null> {
    return this.m(manager).findOneBy(InviteEntity, { id });
  }

  findByCode(code: string, manager?: EntityManager): Promise<InviteEntity | null> {
    return this.m(manager).findOneBy(InviteEntity, { code });
  }

  findByTokenHash(tokenHash: string): Promise<InviteEntity | null> {
    return this.m().findOneBy(InviteEntity, { tokenHash });
  }

  async tokenHashExists(manager: EntityManager, tokenHash: string): Promise<boolean> {
    return (await manager.query(`SELECT 1 FROM mesh.invite WHERE token_hash = $1`, [tokenHash])).length > 0;
  }

  findMesh(meshId: string, manager?: EntityManager): Promise<MeshEntity | null> {
    return this.m(manager).findOneBy(MeshEntity, { id: meshId });
  }

  async accountDisplayName(accountId: string | null): Promise<string | null> {
    if (!accountId) return null;
    const rows: { display_name: string }[] = await this.m().query(`SELECT display_name FROM mesh.account WHERE id = $1`, [accountId]);
    return rows[0]?.display_name ?? null;
  }

  /**
   * §6.2 step 1, the only race-safe guard: counts one use iff the invite is still live, the mesh is not archived and a
   * slot is left. Returns the new used_count, or null when no row was touched.
   */
  async consumeUse(manager: EntityManager, inviteId: string, pubkey: string): Promise<number | null> {
    const rows: { used_count: number }[] = await manager.query(
      `UPDATE mesh.invite i SET used_count = used_count + 1, last_claimed_pubkey = $2
        WHERE i.id = $1 AND i.revoked_at IS NULL AND i.expires_at > now() AND i.used_count < i.max_uses
          AND EXISTS (SELECT 1 FROM mesh.mesh m WHERE m.id = i.mesh_id AND m.archived_at IS NULL)
        RETURNING used_count`,
      [inviteId, pubkey],
    );
    // typeorm returns [rows, count] for UPDATE … RETURNING on postgres
    const list = Array.isArray(rows[0]) ? (rows[0] as unknown as { used_count: number }[]) : rows;
    return list.length ? Number(list[0].used_count) : null;
  }

  /** Sets revoked_at once; returns false when it was already revoked. */
  async revoke(manager: EntityManager, inviteId: string): Promise<boolean> {
    const res = await manager.query(`UPDATE mesh.invite SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [inviteId]);
    return Number(res?.[1] ?? 0) > 0;
  }

  private listQuery(manager?: EntityManager) {
    return this.m(manager)
      .createQueryBuilder(InviteEntity, 'i')
      .leftJoin(AccountEntity, 'a', 'a.id = i.createdByAccountId')
      .addSelect('a.displayName', 'creator_display_name')
      .addSelect(
        `(SELECT p.email FROM mesh.pending_invite p WHERE p.invite_id = i.id ORDER BY p.created_at DESC LIMIT 1)`,
        'pending_email',
      )
      .addSelect(
        `(SELECT p.accepted_at FROM mesh.pending_invite p WHERE p.invite_id = i.id ORDER BY p.created_at DESC LIMIT 1)`,
        'pending_accepted_at',
      );
  }

  private async withExtras(qb: ReturnType<InviteRepository['listQuery']>): Promise<InviteListRow[]> {
    const { entities, raw } = await qb.getRawAndEntities();
    return entities.map((e, idx) => {
      const r = raw.find((x) => x.i_id === e.id) ?? raw[idx];
      return Object.assign(e, {
        creatorDisplayName: (r?.creator_display_name as string | null) ?? null,
        email: (r?.pending_email as string | null) ?? null,
        acceptedAt: r?.pending_accepted_at ? new Date(r.pending_accepted_at) : null,
      });
    });
  }

  async findListRow(meshId: string, inviteId: string, manager?: EntityManager): Promise<InviteListRow | null> {
    const rows = await this.withExtras(this.listQuery(manager).where('i.id = :inviteId AND i.mesh_id = :meshId', { inviteId, meshId }));
    return rows[0] ?? null;
  }

  /** Newest first; keyset paging by (created_at, id). */
  async list(
    meshId: string,
    status: InviteStatusFilter,
    limit: number,
    afterId: string | null,
  ): Promise<InviteListRow[]> {
    const qb = this.listQuery().where('i.mesh_id = :meshId', { meshId });
    if (status !== 'all') qb.andWhere(STATUS_SQL[status]);
    if (afterId) {
      await assertCursorRow(qb.dataSource, 'invite', afterId, { mesh_id: meshId });
      qb.andWhere('(i.created_at, i.id) < (SELECT c.created_at, c.id FROM mesh.invite c WHERE c.id = :afterId)', { afterId });
    }
    return this.withExtras(qb.orderBy('i.created_at', 'DESC').addOrderBy('i.id', 'DESC').limit(limit));
  }

  /** memberCount (not removed) and onlineCount (with a connected presence) for the landing (invites.md §8). */
  async memberCounts(meshId: string): Promise<{ members: number; online: number }> {
    const rows: { members: string; online: string }[] = await this.m().query(
      `SELECT count(*) AS members,
              count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM mesh.presence p
                 WHERE p.member_id = mb.id AND p.ended_at IS NULL AND p.disconnected_at IS NULL)) AS online
         FROM mesh.member mb WHERE mb.mesh_id = $1 AND mb.revoked_at IS NULL`,
      [meshId],
    );
    return { members: Number(rows[0]?.members ?? 0), online: Number(rows[0]?.online ?? 0) };
  }
}
