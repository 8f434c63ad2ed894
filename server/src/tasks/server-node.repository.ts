import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ServerNodeEntity } from '@claudemesh/database';

/** server_node rows (data-model.md §2). */
@Injectable()
export class ServerNodeRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(ServerNodeEntity);
  }

  async insert(row: Pick<ServerNodeEntity, 'id' | 'hostname' | 'version' | 'startedAt'>, manager?: EntityManager): Promise<void> {
    await this.repo(manager).insert({ ...row, lastHeartbeatAt: row.startedAt, stoppedAt: null });
  }

  async heartbeat(id: string, manager?: EntityManager): Promise<void> {
    await this.repo(manager).update({ id }, { lastHeartbeatAt: () => 'now()' });
  }

  async markStopped(id: string, manager?: EntityManager): Promise<void> {
    await this.repo(manager).update({ id }, { stoppedAt: () => 'now()' });
  }

  /** Whether another node that started before `startedAt` is alive (not stopped, heartbeat within `aliveSeconds`). */
  async olderLiveNodeExists(id: string, startedAt: Date, aliveSeconds: number, manager?: EntityManager): Promise<boolean> {
    const rows: unknown[] = await this.repo(manager)
      .createQueryBuilder('n')
      .select('n.id')
      .where('n.id <> :id', { id })
      .andWhere('n.stopped_at IS NULL')
      .andWhere('n.started_at < :startedAt', { startedAt })
      .andWhere(`n.last_heartbeat_at > now() - make_interval(secs => :alive)`, { alive: aliveSeconds })
      .limit(1)
      .getRawMany();
    return rows.length > 0;
  }
}
