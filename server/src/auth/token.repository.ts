import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { AccountEntity, PersonalAccessTokenEntity } from '@claudemesh/database';
import { assertCursorRow } from './cursor';

/** SQL for personal access tokens. */
@Injectable()
export class TokenRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(PersonalAccessTokenEntity);
  }

  async insert(row: Partial<PersonalAccessTokenEntity>): Promise<PersonalAccessTokenEntity> {
    await this.repo().insert(row);
    return (await this.repo().findOneBy({ id: row.id as string })) as PersonalAccessTokenEntity;
  }

  /** A usable token (not revoked, not expired) of an enabled account. */
  async findLive(tokenHash: string): Promise<{ token: PersonalAccessTokenEntity; account: AccountEntity } | null> {
    const token = await this.repo()
      .createQueryBuilder('t')
      .where('t.token_hash = :tokenHash', { tokenHash })
      .andWhere('t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())')
      .getOne();
    if (!token) return null;
    const account = await this.dataSource.manager.getRepository(AccountEntity).findOneBy({ id: token.accountId, disabledAt: IsNull() });
    return account ? { token, account } : null;
  }

  async touch(id: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE mesh.personal_access_token SET last_used_at = now()
       WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }

  /** Newest first; revoked tokens are left out. */
  async list(accountId: string, limit: number, afterId?: string): Promise<PersonalAccessTokenEntity[]> {
    const qb = this.repo().createQueryBuilder('t').where('t.account_id = :accountId AND t.revoked_at IS NULL', { accountId });
    if (afterId) {
      await assertCursorRow(qb.dataSource, 'personal_access_token', afterId, { account_id: accountId });
      qb.andWhere('(t.created_at, t.id) < (SELECT c.created_at, c.id FROM mesh.personal_access_token c WHERE c.id = :afterId)', { afterId });
    }
    return qb.orderBy('t.created_at', 'DESC').addOrderBy('t.id', 'DESC').limit(limit).getMany();
  }

  findOwned(id: string, accountId: string): Promise<PersonalAccessTokenEntity | null> {
    return this.repo().findOneBy({ id, accountId });
  }

  async revoke(id: string): Promise<void> {
    await this.repo().update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
  }

  async revokeAllOf(accountId: string, manager?: EntityManager): Promise<void> {
    await this.repo(manager).update({ accountId, revokedAt: IsNull() }, { revokedAt: new Date() });
  }
}
