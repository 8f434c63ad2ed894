import { Logger } from '@nestjs/common';
import type { EntitySubscriberInterface, QueryRunner, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';

type Flush = (heads: Map<string, number>) => void;

/**
 * Remembers, per transaction, the newest seq appended to each mesh, and hands them to `flush` once the outer
 * transaction commits (so `/ui` never announces a row that a rollback removed). Registered as a TypeORM subscriber.
 */
export class AuditCommitHooks implements EntitySubscriberInterface {
  private readonly pending = new WeakMap<QueryRunner, Map<string, number>>();
  private readonly logger = new Logger('AuditCommitHooks');

  constructor(private readonly flush: Flush) {}

  remember(queryRunner: QueryRunner, meshId: string, headSeq: number): void {
    let heads = this.pending.get(queryRunner);
    if (!heads) {
      heads = new Map();
      this.pending.set(queryRunner, heads);
    }
    heads.set(meshId, Math.max(headSeq, heads.get(meshId) ?? 0));
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    const qr = event.queryRunner;
    if (qr.isTransactionActive) return; // a savepoint was released; the outer transaction is still open
    const heads = this.pending.get(qr);
    if (!heads) return;
    this.pending.delete(qr);
    try {
      this.flush(heads);
    } catch (e) {
      this.logger.warn(`audit_appended emit failed: ${(e as Error).message}`);
    }
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) this.pending.delete(event.queryRunner);
  }
}
