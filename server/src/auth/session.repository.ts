import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, IsNull, Not } from 'typeorm';
import { AccountEntity, AuthSessionEntity } from '@claudemesh/database';

/** SQL for web sessions (auth_session). */
@Injectable()
export class SessionRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(AuthSessionEntity);
  }

  async insert(row: Partial<AuthSessionEntity>, manager?: EntityManager): Promise<void> {
    await this.repo(manager).insert(row);
  }

  /** A live session (not revoked, not expired, not idle) of an enabled account. */
  async findLive(tokenHash: string, idleDays: number): Promise<{ session: AuthSessionEntity; account: AccountEntity } | null> {
    const session = await this.repo()
      .createQueryBuilder('s')
      .where('s.token_hash = :tokenHash', { tokenHash })
      .andWhere('s.revoked_at IS NULL AND s.expires_at > now()')
      .andWhere(`s.last_used_at > now() - make_interval(days => :idleDays)`, { idleDays })
      .getOne();
    if (!session) return null;
    const account = await this.dataSource.manager.getRepository(AccountEntity).findOneBy({ id: session.accountId, disabledAt: IsNull() });
    return account ? { session, account } : null;
  }

  /** last_used_at is written at most once a minute. */
  async touch(id: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE mesh.auth_session SET last_used_at = now() WHERE id = $1 AND last_used_at < now() - interval '1 minute'`,
      [id],
    );
  }

  async delete(id: string): Promise<void> {
    await this.repo().delete({ id });
  }

  async revokeByTokenHash(tokenHash: string): Promise<void> {
    await this.repo().update({ tokenHash, revokedAt: IsNull() }, { revokedAt: new Date() });
  }

  async revokeAllOf(accountId: string, exceptId?: string | null, manager?: EntityManager): Promise<void> {
    const where = exceptId ? { accountId, revokedAt: IsNull(), id: Not(exceptId) } : { accountId, revokedAt: IsNull() };
    await this.repo(manager).update(where, { revokedAt: new Date() });
  }
}
