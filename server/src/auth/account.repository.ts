import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AccountEntity, InstanceEntity, advisoryKey } from '@claudemesh/database';
import { assertCursorRow } from './cursor';

/** One lock for every account creation, so "first account = admin" and email uniqueness cannot race. */
export const ACCOUNT_CREATE_LOCK = advisoryKey('claudemesh:account-create');

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** SQL for accounts and the instance row. */
@Injectable()
export class AccountRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(AccountEntity);
  }

  findById(id: string, manager?: EntityManager): Promise<AccountEntity | null> {
    return this.repo(manager).findOneBy({ id });
  }

  findByEmail(email: string, manager?: EntityManager): Promise<AccountEntity | null> {
    return this.repo(manager).findOneBy({ email });
  }

  async lockAccountCreation(manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock($1)', [ACCOUNT_CREATE_LOCK]);
  }

  async count(manager?: EntityManager): Promise<number> {
    return this.repo(manager).count();
  }

  async insert(manager: EntityManager, row: Partial<AccountEntity>): Promise<AccountEntity> {
    await this.repo(manager).insert(row);
    return (await this.findById(row.id as string, manager)) as AccountEntity;
  }

  async update(id: string, patch: Partial<AccountEntity>, manager?: EntityManager): Promise<void> {
    await this.repo(manager).update({ id }, patch);
  }

  async countActiveAdmins(manager?: EntityManager): Promise<number> {
    const rows: { n: number }[] = await (manager ?? this.dataSource.manager).query(
      `SELECT count(*)::int AS n FROM mesh.account WHERE is_admin AND disabled_at IS NULL`,
    );
    return rows[0].n;
  }

  /** Admin listing: created_at ascending, filtered by a case-insensitive substring of email or display name. */
  async list(opts: { q?: string; limit: number; afterId?: string }): Promise<AccountEntity[]> {
    const qb = this.repo().createQueryBuilder('a');
    if (opts.q) qb.andWhere('(a.email ILIKE :q OR a.display_name ILIKE :q)', { q: `%${escapeLike(opts.q)}%` });
    if (opts.afterId) {
      await assertCursorRow(qb.dataSource, 'account', opts.afterId);
      qb.andWhere('(a.created_at, a.id) > (SELECT c.created_at, c.id FROM mesh.account c WHERE c.id = :afterId)', { afterId: opts.afterId });
    }
    return qb.orderBy('a.created_at', 'ASC').addOrderBy('a.id', 'ASC').limit(opts.limit).getMany();
  }

  async setupTokenHash(manager?: EntityManager): Promise<string | null> {
    const row = await (manager ?? this.dataSource.manager).getRepository(InstanceEntity).findOneBy({ id: 1 });
    return row?.setupTokenHash ?? null;
  }

  async clearSetupToken(manager: EntityManager): Promise<void> {
    await manager.getRepository(InstanceEntity).update({ id: 1 }, { setupTokenHash: null });
  }
}
