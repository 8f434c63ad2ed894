import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { LeaderTasksService } from './leader-tasks.service';
import { RETENTION_BATCH, RetentionRepository } from './retention.repository';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** A tick removes at most this many batches; the rest waits for the next tick. */
const MAX_BATCHES_PER_TICK = 20;

/** Deletes batch after batch until a batch is not full (or the per-tick bound is reached). */
export async function drain(batch: () => Promise<number>): Promise<number> {
  let total = 0;
  for (let i = 0; i < MAX_BATCHES_PER_TICK; i++) {
    const n = await batch();
    total += n;
    if (n < RETENTION_BATCH) break;
  }
  return total;
}

/** Leader tasks of data-model.md §6 / operations.md §6: presence-prune and session-prune hourly, mail-prune daily. */
@Injectable()
export class RetentionTasks implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tasks: LeaderTasksService,
    private readonly repo: RetentionRepository,
  ) {}

  onModuleInit(): void {
    this.tasks.registerLeader('presence-prune', HOUR_MS, async () => {
      await drain(() => this.repo.prunePresences());
    });
    this.tasks.registerLeader('session-prune', HOUR_MS, async () => {
      await drain(() => this.repo.pruneSessions(this.config.sessionIdleDays));
    });
    this.tasks.registerLeader('mail-prune', DAY_MS, async () => {
      await drain(() => this.repo.pruneMail());
    });
  }
}
