import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { MeshEntity, MeshRootKeyEntity, type MeshRootKeyReason } from '@claudemesh/database';
import type { MeshRole } from '@claudemesh/shared/protocol';
import { assertCursorRow } from '../auth/cursor';

export interface MeshListRow {
  id: string;
  name: string;
  slug: string;
  role: MeshRole;
  created_at: Date;
  archived_at: Date | null;
  member_count: number;
  online_count: number;
}

export interface MeshCountsRow {
  members: number;
  online: number;
  pending_invites: number;
}

/** The role expression of security.md §4 for account :acct on mesh row m. */
const ROLE_SQL = `CASE
  WHEN m.owner_account_id = $1 THEN 'owner'
  WHEN EXISTS (SELECT 1 FROM mesh.member x WHERE x.mesh_id = m.id AND x.account_id = $1 AND x.revoked_at IS NULL AND x.role = 'admin') THEN 'admin'
  WHEN EXISTS (SELECT 1 FROM mesh.member x WHERE x.mesh_id = m.id AND x.account_id = $1 AND x.revoked_at IS NULL) THEN 'member'
END`;

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** SQL for meshes and their root keys. */
@Injectable()
export class MeshRepository {
  constructor(private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  findById(id: string, manager?: EntityManager): Promise<MeshEntity | null> {
    return this.m(manager).getRepository(MeshEntity).findOneBy({ id });
  }

  /** Locks the mesh row for the rest of the transaction. */
  lockById(manager: EntityManager, id: string): Promise<MeshEntity | null> {
    return manager.getRepository(MeshEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async roleOf(accountId: string, meshId: string, manager?: EntityManager): Promise<MeshRole | null> {
    const rows: { role: MeshRole | null }[] = await this.m(manager).query(
      `SELECT ${ROLE_SQL} AS role FROM mesh.mesh m WHERE m.id = $2`,
      [accountId, meshId],
    );
    return rows[0]?.role ?? null;
  }

  async insert(manager: EntityManager, mesh: Partial<MeshEntity>): Promise<void> {
    await manager.getRepository(MeshEntity).insert(mesh);
  }

  async update(manager: EntityManager, id: string, patch: Partial<MeshEntity>): Promise<void> {
    await manager.getRepository(MeshEntity).update({ id }, { ...patch, updatedAt: () => 'now()' } as never);
  }

  /** Sets archived_at unless already set; returns whether this call archived it. */
  async archive(manager: EntityManager, id: string): Promise<boolean> {
    const res: [unknown[], number] = await manager.query(
      `UPDATE mesh.mesh SET archived_at = now(), updated_at = now() WHERE id = $1 AND archived_at IS NULL RETURNING id`,
      [id],
    );
    return res[1] > 0;
  }

  /** The caller's meshes, newest first (created_at DESC, id DESC), after the cursor mesh when given. */
  async listForAccount(
    accountId: string,
    opts: { q?: string; archived: boolean; limit: number; afterId?: string },
  ): Promise<MeshListRow[]> {
    const params: unknown[] = [accountId, opts.limit];
    const where: string[] = [opts.archived ? 'm.archived_at IS NOT NULL' : 'm.archived_at IS NULL'];
    if (opts.q) {
      params.push(`%${escapeLike(opts.q)}%`);
      where.push(`m.name ILIKE $${params.length}`);
    }
    if (opts.afterId) {
      await assertCursorRow(this.dataSource, 'mesh', opts.afterId);
      params.push(opts.afterId);
      where.push(`(m.created_at, m.id) < (SELECT c.created_at, c.id FROM mesh.mesh c WHERE c.id = $${params.length})`);
    }
    return this.dataSource.query(
      `SELECT * FROM (
         SELECT m.id, m.name, m.slug, m.created_at, m.archived_at, ${ROLE_SQL} AS role,
           (SELECT count(*)::int FROM mesh.member x WHERE x.mesh_id = m.id AND x.revoked_at IS NULL) AS member_count,
           (SELECT count(DISTINCT p.member_id)::int FROM mesh.presence p WHERE p.mesh_id = m.id AND p.ended_at IS NULL AND p.disconnected_at IS NULL) AS online_count
         FROM mesh.mesh m WHERE ${where.join(' AND ')}
       ) t WHERE t.role IS NOT NULL
       ORDER BY t.created_at DESC, t.id DESC LIMIT $2`,
      params,
    );
  }

  async counts(meshId: string): Promise<MeshCountsRow> {
    const rows: MeshCountsRow[] = await this.dataSource.query(
      `SELECT
         (SELECT count(*)::int FROM mesh.member x WHERE x.mesh_id = $1 AND x.revoked_at IS NULL) AS members,
         (SELECT count(DISTINCT p.member_id)::int FROM mesh.presence p WHERE p.mesh_id = $1 AND p.ended_at IS NULL AND p.disconnected_at IS NULL) AS online,
         (SELECT count(*)::int FROM mesh.invite i WHERE i.mesh_id = $1 AND i.revoked_at IS NULL
            AND i.expires_at > now() AND i.used_count < i.max_uses) AS pending_invites`,
      [meshId],
    );
    return rows[0];
  }

  async insertRootKey(manager: EntityManager, meshId: string, epoch: number, keyEnc: string, reason: MeshRootKeyReason): Promise<void> {
    await manager.getRepository(MeshRootKeyEntity).insert({ meshId, epoch, keyEnc, reason });
  }

  findRootKey(meshId: string, epoch: number, manager?: EntityManager): Promise<MeshRootKeyEntity | null> {
    return this.m(manager).getRepository(MeshRootKeyEntity).findOneBy({ meshId, epoch });
  }
}
