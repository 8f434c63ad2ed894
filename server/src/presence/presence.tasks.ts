import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { LeaderTasksService } from '../tasks/leader-tasks.service';
import { NodeService, NODE_ALIVE_SECONDS } from '../tasks/node.service';
import { PresenceService } from './presence.service';
import { StatusService } from './status.service';

/**
 * Presence sweepers (operations.md §6): presence-evict 5 s, status-ttl 15 s, node-reaper 15 s (leader, also prunes
 * server_node rows dead for 7 days); last-seen 60 s (local). presence-prune is in tasks/retention.tasks.ts.
 */
@Injectable()
export class PresenceTasks implements OnModuleInit {
  constructor(
    private readonly tasks: LeaderTasksService,
    private readonly node: NodeService,
    private readonly presence: PresenceService,
    private readonly status: StatusService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.tasks.registerLeader('presence-evict', 5_000, async () => {
      await this.presence.evictExpired();
    });
    this.tasks.registerLeader('status-ttl', 15_000, async () => {
      await this.status.expireWorking();
    });
    this.tasks.registerLeader('node-reaper', 15_000, async () => {
      await this.presence.reapDeadNodes(this.node.nodeId, NODE_ALIVE_SECONDS);
      await this.node.pruneStaleNodes();
    });
    this.tasks.registerLocal('presence-last-seen', 60_000, () => this.presence.touchNode(this.node.nodeId));
  }
}
