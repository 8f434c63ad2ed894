import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AuditEntryInput } from '@claudemesh/shared/protocol';
import { LeaderTasksService } from '../tasks/leader-tasks.service';
import { MetricsService } from '../metrics/metrics.service';
import { AuditRepository, UnauditedMessageRow } from './audit.repository';
import { AuditService } from './audit.service';

/** data-model.md §4: up to 1 000 unaudited messages per batch. */
export const AUDIT_MESSAGE_BATCH = 1000;
/** A busy tick keeps draining full batches, bounded so one tick never runs for long. */
const MAX_BATCHES_PER_TICK = 10;

/**
 * Leader task `audit-messages` (operations.md §6): derives `message.sent` entries from durable message rows, so sends
 * never wait for the chain and no entry is lost on a crash.
 */
@Injectable()
export class AuditMessagesTask implements OnModuleInit {
  private readonly logger = new Logger('AuditMessagesTask');

  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: AuditRepository,
    private readonly audit: AuditService,
    private readonly leaderTasks: LeaderTasksService,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    this.leaderTasks.registerLeader('audit-messages', 1000, () => this.tick());
  }

  async tick(): Promise<void> {
    for (let i = 0; i < MAX_BATCHES_PER_TICK; i++) {
      const n = await this.runBatch();
      if (n < AUDIT_MESSAGE_BATCH) break;
    }
    this.metrics.auditLagSeconds.set(await this.repo.auditLagSeconds());
  }

  /** One transaction: lock a batch (SKIP LOCKED, seq order), append per mesh, set audited_at. Returns the batch size. */
  async runBatch(): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      const messages = await this.repo.lockUnauditedMessages(m, AUDIT_MESSAGE_BATCH);
      if (messages.length === 0) return 0;
      const byMesh = new Map<string, AuditEntryInput[]>();
      for (const msg of messages) {
        let list = byMesh.get(msg.meshId);
        if (!list) byMesh.set(msg.meshId, (list = []));
        list.push(messageSentEntry(msg));
      }
      // A fixed mesh order keeps two batches from ever taking the mesh locks in opposite orders.
      for (const meshId of [...byMesh.keys()].sort()) await this.audit.append(m, meshId, byMesh.get(meshId)!);
      await this.repo.markAudited(
        m,
        messages.map((msg) => msg.id),
      );
      return messages.length;
    });
  }
}

/** The `message.sent` entry: metadata only, never the nonce or ciphertext. */
export function messageSentEntry(msg: UnauditedMessageRow): AuditEntryInput {
  return {
    type: 'message.sent',
    actor: { kind: 'member', id: msg.senderMemberId, displayName: msg.senderDisplayName },
    data: {
      messageId: msg.id,
      from: msg.senderMemberId,
      to: msg.target,
      priority: msg.priority,
      size: msg.sizeBytes,
      recipients: msg.recipientCount,
    },
  };
}
