import * as os from 'node:os';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { appVersion } from '../config/version';
import { LeaderTasksService } from './leader-tasks.service';
import { RetentionRepository } from './retention.repository';
import { drain } from './retention.tasks';
import { ServerNodeRepository } from './server-node.repository';

export const NODE_ID = Symbol('NODE_ID');

const HEARTBEAT_MS = 10_000;
/** A node whose heartbeat is older than this is dead (operations.md §4, §6). */
export const NODE_ALIVE_SECONDS = 30;

/** This process as a server_node row: registered before listening, heartbeat every 10 s, stopped_at on shutdown. */
@Injectable()
export class NodeService implements OnModuleInit {
  private readonly logger = new Logger('node');
  readonly startedAt = new Date();

  constructor(
    @Inject(NODE_ID) readonly nodeId: string,
    private readonly nodes: ServerNodeRepository,
    private readonly tasks: LeaderTasksService,
    private readonly retention: RetentionRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.nodes.insert({ id: this.nodeId, hostname: os.hostname().slice(0, 255), version: appVersion(), startedAt: this.startedAt });
    this.tasks.registerLocal('heartbeat', HEARTBEAT_MS, () => this.nodes.heartbeat(this.nodeId));
  }

  /** Readiness check multi_node_without_redis: another node started earlier and is alive. */
  olderLiveNodeExists(): Promise<boolean> {
    return this.nodes.olderLiveNodeExists(this.nodeId, this.startedAt, NODE_ALIVE_SECONDS);
  }

  /** node-reaper's retention part (data-model.md §6): rows of nodes stopped or dead for more than 7 days. */
  async pruneStaleNodes(): Promise<number> {
    return drain(() => this.retention.pruneNodes(this.nodeId));
  }

  async markStopped(): Promise<void> {
    await this.nodes.markStopped(this.nodeId).catch((e: Error) => this.logger.warn({ err: e.message }, 'could not set stopped_at'));
  }
}
