import { Inject, Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { hasPendingMigrations } from '@claudemesh/database';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RedisService, withTimeout } from '../database/redis.service';
import { MetricsService } from '../metrics/metrics.service';
import { LeaderTasksService } from '../tasks/leader-tasks.service';
import { NodeService } from '../tasks/node.service';

const PROBE_MS = 5000;
const PROBE_TIMEOUT_MS = 2000;

export interface ProbeState {
  db: 'up' | 'down';
  migrationsPending: boolean;
  redis: 'up' | 'down' | 'disabled';
  olderLiveNode: boolean;
}

/**
 * The last probe results (operations.md §4): `SELECT 1` every 5 s with a 2 s timeout, then — while the database
 * is up — pending migrations and, without Redis, whether an older node is alive; Redis PING when enabled.
 */
@Injectable()
export class HealthStateService implements OnModuleInit, OnApplicationBootstrap {
  private current: ProbeState = { db: 'down', migrationsPending: false, redis: 'disabled', olderLiveNode: false };
  private probing: Promise<void> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly redis: RedisService,
    private readonly metrics: MetricsService,
    private readonly tasks: LeaderTasksService,
    private readonly node: NodeService,
  ) {}

  get state(): ProbeState {
    return this.current;
  }

  onModuleInit(): void {
    this.tasks.registerLocal('db-probe', PROBE_MS, () => this.probe());
  }

  /** One probe before listening, so readiness is right from the first request. */
  async onApplicationBootstrap(): Promise<void> {
    void this.redis.connect();
    await this.probe();
  }

  probe(): Promise<void> {
    if (!this.probing) this.probing = this.runProbe().finally(() => (this.probing = null));
    return this.probing;
  }

  private async runProbe(): Promise<void> {
    const next: ProbeState = { ...this.current };
    try {
      await withTimeout(this.dataSource.query('SELECT 1'), PROBE_TIMEOUT_MS);
      next.db = 'up';
    } catch {
      next.db = 'down';
    }
    if (next.db === 'up') {
      next.migrationsPending = await withTimeout(hasPendingMigrations(this.dataSource), PROBE_TIMEOUT_MS).catch(() => next.migrationsPending);
      next.olderLiveNode =
        this.config.redisUrl === null
          ? await withTimeout(this.node.olderLiveNodeExists(), PROBE_TIMEOUT_MS).catch(() => next.olderLiveNode)
          : false;
    }
    next.redis = this.redis.enabled ? ((await this.redis.ping(PROBE_TIMEOUT_MS)) ? 'up' : 'down') : 'disabled';
    this.metrics.dbUp.set(next.db === 'up' ? 1 : 0);
    this.current = next;
  }
}
