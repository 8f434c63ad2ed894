import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { LeaderTasksService } from '../tasks/leader-tasks.service';
import { DeliveryRepository } from './delivery.repository';
import { DeliveryService } from './delivery.service';

/** Delivery tasks (operations.md §6): drain-scan 5 s (every node); delivery-sweep and replay-prune 60 s (leader). */
@Injectable()
export class BrokerTasks implements OnModuleInit {
  private readonly logger = new Logger('broker-tasks');

  constructor(
    private readonly tasks: LeaderTasksService,
    private readonly delivery: DeliveryService,
    private readonly repo: DeliveryRepository,
  ) {}

  onModuleInit(): void {
    this.tasks.registerLocal('drain-scan', 5_000, () => this.delivery.scan());
    this.tasks.registerLeader('delivery-sweep', 60_000, () => this.sweep());
    this.tasks.registerLeader('replay-prune', 60_000, () => this.repo.pruneReplay());
  }

  /** data-model.md §6: acked or expired deliveries, then payloads with no delivery left, then expired audited messages. */
  async sweep(): Promise<void> {
    for (let i = 0; i < 20 && (await this.repo.deleteDone()) === 5000; i++);
    for (let i = 0; i < 20 && (await this.repo.purgePayloads()) === 5000; i++);
    for (let i = 0; i < 20 && (await this.repo.deleteExpiredMessages()) === 5000; i++);
  }
}
