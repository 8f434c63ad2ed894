import { Inject, Injectable } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { appVersion } from '../config/version';
import { ShutdownService } from '../common/shutdown.service';
import { NodeService } from '../tasks/node.service';
import { HealthStateService } from './health-state.service';

export type NotReadyReason = 'db_down' | 'migrations_pending' | 'redis_down' | 'shutting_down' | 'multi_node_without_redis';

export type Readiness =
  | { status: 'ready'; db: 'up'; migrations: 'current'; redis: 'up' | 'disabled' }
  | { status: 'not_ready'; reasons: NotReadyReason[] };

/** Indicator key → reason, in the order reasons are listed. */
const INDICATORS: Record<string, NotReadyReason> = {
  db: 'db_down',
  migrations: 'migrations_pending',
  redis: 'redis_down',
  shutdown: 'shutting_down',
  node: 'multi_node_without_redis',
};

@Injectable()
export class HealthService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly probe: HealthStateService,
    private readonly node: NodeService,
    private readonly shutdown: ShutdownService,
    private readonly terminus: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  liveness() {
    return {
      status: 'ok' as const,
      version: appVersion(),
      gitSha: this.config.gitSha,
      nodeId: this.node.nodeId,
      uptimeSeconds: Math.floor(process.uptime()),
      db: this.probe.state.db,
    };
  }

  /** Runs the terminus indicators over the last probe and maps their failures to the reasons of operations.md §4. */
  async readiness(): Promise<Readiness> {
    const s = this.probe.state;
    const check = (key: string, ok: boolean) => async () => (ok ? this.indicators.check(key).up() : this.indicators.check(key).down());
    const indicators = [
      check('db', s.db === 'up'),
      check('migrations', s.db !== 'up' || !s.migrationsPending),
      check('redis', s.redis !== 'down'),
      check('shutdown', !this.shutdown.isShuttingDown),
      check('node', !s.olderLiveNode),
    ];
    let failed: string[] = [];
    try {
      const result = await this.terminus.check(indicators);
      failed = Object.keys(result.error ?? {});
    } catch (e) {
      const body = (e as { getResponse?: () => unknown }).getResponse?.() as { error?: Record<string, unknown> } | undefined;
      failed = body?.error ? Object.keys(body.error) : ['db'];
    }
    if (failed.length === 0) {
      return { status: 'ready', db: 'up', migrations: 'current', redis: s.redis === 'up' ? 'up' : 'disabled' };
    }
    return { status: 'not_ready', reasons: Object.keys(INDICATORS).filter((k) => failed.includes(k)).map((k) => INDICATORS[k]) };
  }
}
