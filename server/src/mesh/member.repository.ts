import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, In, IsNull } from 'typeorm';
import { MemberEntity, PresenceEntity, type MemberRevokedReason, type PresenceEndReason } from '@claudemesh/database';
import { assertCursorRow } from '../auth/cursor';

export interface MemberWithAccount {
  member: MemberEntity;
  account: { id: string; displayName: string; email: string } | null;
}

/** SQL for member rows and the presence rows the mesh module ends (removal, departure, archive). */
@Injectable()
export class MemberRepository {
  constructor(private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  findInMesh(meshId: string, memberId: string, manager?: EntityManager): Promise<MemberEntity | null> {
    return this.m(manager).getRepository(MemberEntity).findOneBy({ id: memberId, meshId });
  }

  lockInMesh(manager: EntityManager, meshId: string, memberId: string): Promise<MemberEntity | null> {
    return manager.getRepository(MemberEntity).findOne({ where: { id: memberId, meshId }, lock: { mode: 'pessimistic_write' } });
  }

  /** Ordered by joined_at, then id; keyset after the cursor member. */
  async list(meshId: string, opts: { includeRemoved: boolean; limit: number; afterId?: string }): Promise<MemberWithAccount[]> {
    const qb = this.dataSource.manager.getRepository(MemberEntity).createQueryBuilder('mb').where('mb.mesh_id = :meshId', { meshId });
    if (!opts.includeRemoved) qb.andWhere('mb.revoked_at IS NULL');
    if (opts.afterId) {
      await assertCursorRow(qb.dataSource, 'member', opts.afterId, { mesh_id: meshId });
      qb.andWhere('(mb.joined_at, mb.id) > (SELECT c.joined_at, c.id FROM mesh.member c WHERE c.id = :afterId)', { afterId: opts.afterId });
    }
    const members = await qb.orderBy('mb.joined_at', 'ASC').addOrderBy('mb.id', 'ASC').limit(opts.limit).getMany();
    return this.withAccounts(members);
  }

  async withAccounts(members: MemberEntity[]): Promise<MemberWithAccount[]> {
    const ids = [...new Set(members.map((m) => m.accountId).filter((x): x is string => x !== null))];
    const accounts: { id: string; display_name: string; email: string }[] = ids.length
      ? await this.dataSource.query(`SELECT id, display_name, email FROM mesh.account WHERE id = ANY($1)`, [ids])
      : [];
    const byId = new Map(accounts.map((a) => [a.id, { id: a.id, displayName: a.display_name, email: a.email }]));
    return members.map((member) => ({ member, account: member.accountId ? (byId.get(member.accountId) ?? null) : null }));
  }

  /** Non-ended presences of these members (passive connections have no rows). */
  livePresences(memberIds: string[]): Promise<PresenceEntity[]> {
    if (memberIds.length === 0) return Promise.resolve([]);
    return this.dataSource.manager
      .getRepository(PresenceEntity)
      .find({ where: { memberId: In(memberIds), endedAt: IsNull() }, order: { connectedAt: 'ASC' } });
  }

  async update(manager: EntityManager | undefined, id: string, patch: Partial<MemberEntity>): Promise<void> {
    await this.m(manager).getRepository(MemberEntity).update({ id }, patch);
  }

  /** Sets revoked_at once; false when the member was already removed. */
  async revoke(manager: EntityManager, id: string, reason: MemberRevokedReason, byAccountId: string | null): Promise<boolean> {
    const res = await manager
      .getRepository(MemberEntity)
      .update({ id, revokedAt: IsNull() }, { revokedAt: new Date(), revokedReason: reason, revokedByAccountId: byAccountId });
    return (res.affected ?? 0) > 0;
  }

  /** Ends the live presences of a member (or of the whole mesh) and returns them as they are now. */
  async endPresences(manager: EntityManager, where: { meshId: string; memberId?: string }, reason: PresenceEndReason): Promise<PresenceEntity[]> {
    const repo = manager.getRepository(PresenceEntity);
    const live = await repo.find({ where: { ...where, endedAt: IsNull() }, lock: { mode: 'pessimistic_write' } });
    if (live.length === 0) return [];
    const now = new Date();
    await repo.update({ id: In(live.map((p) => p.id)) }, { endedAt: now, endReason: reason });
    const memberIds = [...new Set(live.map((p) => p.memberId))];
    await manager.getRepository(MemberEntity).update({ id: In(memberIds) }, { lastSeenAt: now });
    return live.map((p) => Object.assign(p, { endedAt: now, endReason: reason }));
  }

  /** An active member of the mesh linked to the account (for transfer). */
  findActiveLinked(manager: EntityManager, meshId: string, accountId: string): Promise<MemberEntity | null> {
    return manager.getRepository(MemberEntity).findOneBy({ meshId, accountId, revokedAt: IsNull() });
  }
}
