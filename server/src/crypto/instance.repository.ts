import { DataSource, EntityManager } from 'typeorm';
import { AccountEntity, InstanceEntity } from '@claudemesh/database';

/** The single instance row (data-model.md §2) and the "no account yet" check. Used by the boot sequence. */
export class InstanceRepository {
  constructor(private readonly dataSource: DataSource) {}

  private manager(m?: EntityManager): EntityManager {
    return m ?? this.dataSource.manager;
  }

  find(m?: EntityManager): Promise<InstanceEntity | null> {
    return this.manager(m).getRepository(InstanceEntity).findOne({ where: { id: 1 } });
  }

  /** Creates the row with `keyCheck` unless one exists (two nodes booting together: the first insert wins). */
  async insertIfMissing(keyCheck: string, m?: EntityManager): Promise<void> {
    await this.manager(m)
      .createQueryBuilder()
      .insert()
      .into(InstanceEntity)
      .values({ id: 1, keyCheck, setupTokenHash: null })
      .orIgnore()
      .execute();
  }

  async setKeyCheck(keyCheck: string, m?: EntityManager): Promise<void> {
    await this.manager(m).getRepository(InstanceEntity).update({ id: 1 }, { keyCheck });
  }

  async setSetupTokenHash(hash: string | null, m?: EntityManager): Promise<void> {
    await this.manager(m).getRepository(InstanceEntity).update({ id: 1 }, { setupTokenHash: hash });
  }

  async anyAccountExists(m?: EntityManager): Promise<boolean> {
    return (await this.manager(m).getRepository(AccountEntity).count({ take: 1 })) > 0;
  }
}
