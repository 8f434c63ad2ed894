import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Client } from 'pg';
import { advisoryKey } from '@claudemesh/database';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';

interface Task {
  name: string;
  periodMs: number;
  fn: () => Promise<void>;
  leader: boolean;
  leading: boolean;
  timer: NodeJS.Timeout | null;
  running: Promise<void> | null;
}

const MIN_PERIOD_MS = 50;
/** How often a node that does not lead a task tries its lock, at most. */
const TAKEOVER_RETRY_MS = 5_000;

/**
 * Background tasks (operations.md §6). Leader tasks run on one node at a time: a node leads a task while it holds
 * the session-level pg_advisory_lock(advisoryKey('claudemesh:task:<name>')) on a dedicated connection; a node that
 * does not lead calls pg_try_advisory_lock at each tick and skips the tick when the lock is taken.
 * Local tasks run on every node. Ticks of one task never overlap. Periods: TASK_PERIODS / TASK_PERIOD_SCALE.
 */
@Injectable()
export class LeaderTasksService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('tasks');
  private readonly tasks = new Map<string, Task>();
  private lockClient: Client | null = null;
  private connecting: Promise<Client> | null = null;
  private started = false;
  /** Queries on the lock connection run one at a time (pg does not queue concurrent client.query calls in v9). */
  private lockQueue: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  registerLeader(name: string, periodMs: number, fn: () => Promise<void>): void {
    this.register(name, periodMs, fn, true);
  }

  registerLocal(name: string, periodMs: number, fn: () => Promise<void>): void {
    this.register(name, periodMs, fn, false);
  }

  /** True while this node holds the lock of `name`. */
  isLeading(name: string): boolean {
    return this.tasks.get(name)?.leading ?? false;
  }

  /** The effective period of a task after the test overrides. */
  periodOf(name: string, periodMs: number): number {
    const override = this.config.taskPeriods[name];
    return Math.max(MIN_PERIOD_MS, Math.round(override ?? periodMs * this.config.taskPeriodScale));
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    for (const t of this.tasks.values()) this.schedule(t, t.leader ? 0 : t.periodMs);
  }

  /** Stops scheduling, waits for the current ticks, then releases every lock by closing the lock connection. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.tasks.values()) {
      if (t.timer) clearTimeout(t.timer);
      t.timer = null;
    }
    await Promise.all([...this.tasks.values()].map((t) => t.running ?? Promise.resolve()));
    const client = this.lockClient;
    this.lockClient = null;
    this.loseLeadership();
    if (client) await client.end().catch(() => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  /** Runs one tick of a task now (tests); leader tasks still need the lock. */
  async runOnce(name: string): Promise<void> {
    const t = this.tasks.get(name);
    if (!t) throw new Error(`unknown task ${name}`);
    await (t.running ?? Promise.resolve());
    await this.tick(t);
  }

  private register(name: string, periodMs: number, fn: () => Promise<void>, leader: boolean): void {
    if (this.tasks.has(name)) throw new Error(`task ${name} is registered twice`);
    const task: Task = { name, periodMs: this.periodOf(name, periodMs), fn, leader, leading: false, timer: null, running: null };
    this.tasks.set(name, task);
    if (leader) this.metrics.leader.set({ task: name }, 0);
    if (this.started) this.schedule(task, 0);
  }

  private schedule(t: Task, delayMs: number): void {
    if (this.stopped) return;
    t.timer = setTimeout(() => {
      t.timer = null;
      t.running = this.tick(t).finally(() => {
        t.running = null;
        // A node that does not lead retries the lock sooner than long periods (60 s, hourly, daily), so a dead
        // leader's task is taken over within TAKEOVER_RETRY_MS, not after a whole period (issue 8).
        this.schedule(t, t.leader && !t.leading ? Math.min(t.periodMs, TAKEOVER_RETRY_MS) : t.periodMs);
      });
    }, delayMs);
    t.timer.unref?.();
  }

  private async tick(t: Task): Promise<void> {
    if (this.stopped) return;
    try {
      if (t.leader && !(await this.acquire(t))) return;
      await t.fn();
    } catch (e) {
      this.logger.error({ task: t.name, err: e instanceof Error ? e.stack ?? e.message : String(e) }, 'task failed');
    }
  }

  private async acquire(t: Task): Promise<boolean> {
    if (t.leading && this.lockClient) return true;
    const run = this.lockQueue.then(async () => {
      const client = await this.connect();
      return client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [advisoryKey(`claudemesh:task:${t.name}`)]);
    });
    this.lockQueue = run.catch(() => undefined);
    const res = await run;
    t.leading = res.rows[0]?.ok === true && this.lockClient !== null;
    this.metrics.leader.set({ task: t.name }, t.leading ? 1 : 0);
    if (t.leading) this.logger.log({ task: t.name }, 'now leading task');
    return t.leading;
  }

  private connect(): Promise<Client> {
    if (this.lockClient) return Promise.resolve(this.lockClient);
    if (!this.connecting) {
      const client = new Client({ connectionString: this.config.databaseUrl ?? undefined, application_name: 'claudemesh-tasks' });
      const dropped = () => {
        if (this.lockClient === client) {
          this.lockClient = null;
          this.loseLeadership();
        }
      };
      client.on('error', (e) => {
        this.logger.warn({ err: e.message }, 'task lock connection lost');
        dropped();
      });
      client.on('end', dropped);
      this.connecting = client
        .connect()
        .then(() => {
          // A stop() during connect must not leave a lock holder behind.
          if (this.stopped) {
            void client.end();
            throw new Error('tasks stopped');
          }
          this.lockClient = client;
          return client;
        })
        .finally(() => (this.connecting = null));
    }
    return this.connecting;
  }

  /** The locks die with their connection: no task is led any more. */
  private loseLeadership(): void {
    for (const t of this.tasks.values()) {
      if (t.leader) {
        t.leading = false;
        this.metrics.leader.set({ task: t.name }, 0);
      }
    }
  }
}
