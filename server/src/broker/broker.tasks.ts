import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';
import { PresenceService } from '../presence/presence.service';
import { LeaderTasksService } from '../tasks/leader-tasks.service';
import { DeliveryRepository } from './delivery.repository';
import { DeliveryService } from './delivery.service';

/** Delivery tasks (operations.md §6): drain-scan 5 s (every node); delivery-sweep, replay-prune 60 s and queue-gauges 30 s (leader). */
@Injectable()
export class BrokerTasks implements OnModuleInit {
  private readonly logger = new Logger('broker-tasks');

  constructor(
    private readonly tasks: LeaderTasksService,
    private readonly delivery: DeliveryService,
    private readonly repo: DeliveryRepository,
    private readonly presence: PresenceService,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    this.tasks.registerLocal('drain-scan', 5_000, () => this.delivery.scan());
    this.tasks.registerLeader('delivery-sweep', 60_000, () => this.sweep());
    this.tasks.registerLeader('replay-prune', 60_000, () => this.repo.pruneReplay());
    this.tasks.registerLeader('queue-gauges', 30_000, () => this.refreshGauges());
  }

  /** claudemesh_queue_depth and claudemesh_presences{state} (leader, 30 s). */
  async refreshGauges(): Promise<void> {
    const [depth, states] = await Promise.all([this.repo.queueDepth(), this.presence.countStates()]);
    this.metrics.queueDepth.set(depth);
    this.metrics.presences.set({ state: 'connected' }, states.connected);
    this.metrics.presences.set({ state: 'grace' }, states.grace);
  }

  /** data-model.md §6: acked or expired deliveries, then payloads with no delivery left, then expired audited messages. */
  async sweep(): Promise<void> {
    for (let i = 0; i < 20 && (await this.repo.deleteDone()) === 5000; i++);
    for (let i = 0; i < 20 && (await this.repo.purgePayloads()) === 5000; i++);
    for (let i = 0; i < 20 && (await this.repo.deleteExpiredMessages()) === 5000; i++);
  }
}
