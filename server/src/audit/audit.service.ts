import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DataSource, EntityManager } from 'typeorm';
import { advisoryKey } from '@claudemesh/database';
import { AppError } from '@claudemesh/shared/errors';
import {
  AUDIT_GENESIS_HASH,
  AUDIT_LIST_DEFAULT_LIMIT,
  auditHash,
  type AuditBreakReason,
  type AuditEntryInput,
  type AuditListResponse,
  type AuditVerifyResponse,
} from '@claudemesh/shared/protocol';
import type { AuditListQueryDto } from '@claudemesh/shared/dto';
import type { AuthContext } from '../auth/auth-context';
import { MeshAccessService } from '../mesh/mesh-access.service';
import { RateLimiterService } from '../rate-limit/rate-limiter.service';
import { RealtimeService } from '../realtime/realtime.service';
import { AuditCommitHooks } from './audit-commit-hooks';
import { rowToAuditEvent, rowToHashInput } from './audit.mapper';
import { AuditInsertRow, AuditRepository } from './audit.repository';

/** Verify walks the chain in pages of this many rows (data-model.md §4). */
export const AUDIT_VERIFY_PAGE = 1000;
/** security.md §5: audit verify, 6 per minute per account. */
const VERIFY_RATE_PER_MIN = 6;
/** Keys that would mean a writer is about to put content or secrets into the chain (security.md §3 item 3). */
const FORBIDDEN_DATA_KEYS = new Set([
  'nonce',
  'ciphertext',
  'plaintext',
  'body',
  'summary',
  'email',
  'token',
  'password',
  'rootKey',
  'secretKey',
  'ownerSecretKey',
]);

export const auditLockKey = (meshId: string): string => advisoryKey(`claudemesh:audit:${meshId}`);

/** The per-mesh hash chain: append inside callers' transactions, list, verify. */
@Injectable()
export class AuditService implements OnModuleInit {
  private readonly logger = new Logger('AuditService');
  private readonly hooks = new AuditCommitHooks((heads) => this.announce(heads));
  private meshAccess?: MeshAccessService;

  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: AuditRepository,
    private readonly rateLimiter: RateLimiterService,
    private readonly realtime: RealtimeService,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    this.dataSource.subscribers.push(this.hooks);
  }

  /**
   * Appends entries to the mesh's chain within the caller's transaction: takes the mesh's advisory xact lock,
   * reads the head, and inserts consecutive seqs. Without an open transaction it opens its own.
   */
  async append(manager: EntityManager, meshId: string, entries: AuditEntryInput[]): Promise<void> {
    if (entries.length === 0) return;
    const qr = manager.queryRunner;
    if (!qr || !qr.isTransactionActive) {
      await this.dataSource.transaction((m) => this.append(m, meshId, entries));
      return;
    }
    await this.repo.lockMesh(manager, auditLockKey(meshId));
    const head = await this.repo.head(manager, meshId);
    let seq = head?.seq ?? 0;
    let prevHash = head?.hash ?? AUDIT_GENESIS_HASH;
    // One ms-precision timestamp for the batch; the hash covers exactly the string that is stored.
    const createdAtIso = new Date().toISOString();
    const rows: AuditInsertRow[] = entries.map((entry) => {
      const data = normalizeData(entry.type, entry.data);
      seq += 1;
      const actor = { kind: entry.actor.kind, id: entry.actor.id ?? null, displayName: entry.actor.displayName ?? null };
      const hash = auditHash({ meshId, seq, type: entry.type, actor, data, createdAt: createdAtIso, prevHash });
      const row: AuditInsertRow = {
        seq,
        type: entry.type,
        actorKind: actor.kind,
        actorId: actor.id,
        actorDisplayName: actor.displayName,
        dataJson: JSON.stringify(data),
        createdAtIso,
        prevHash,
        hash,
      };
      prevHash = hash;
      return row;
    });
    await this.repo.insertMany(manager, meshId, rows);
    this.hooks.remember(qr, meshId, seq);
  }

  async list(auth: AuthContext, meshId: string, query: AuditListQueryDto): Promise<AuditListResponse> {
    await this.access().require(auth, meshId, 'member');
    const limit = query.limit ? Number(query.limit) : AUDIT_LIST_DEFAULT_LIMIT;
    // seq is an int4; a larger `before` simply means "from the newest".
    const before = query.before ? Math.min(Number(query.before), 2_147_483_647) : null;
    const rows = await this.repo.listPage(meshId, limit, before, query.type ?? null);
    const page = rows.slice(0, limit);
    const nextBefore = rows.length > limit ? page[page.length - 1].seq : null;
    return { data: page.map(rowToAuditEvent), nextBefore };
  }

  async verifyForAccount(auth: AuthContext, meshId: string): Promise<AuditVerifyResponse> {
    await this.access().require(auth, meshId, 'member');
    const rl = await this.rateLimiter.consume('audit_verify', auth.account.id, VERIFY_RATE_PER_MIN, VERIFY_RATE_PER_MIN);
    if (!rl.ok) {
      throw new AppError('rate_limited', 'Too many audit verifications; try again shortly.', {
        retryAfterMs: rl.retryAfterMs,
      });
    }
    return this.verify(meshId);
  }

  /** Walks the chain by seq in pages of 1 000 and names the first broken link. Reads one snapshot. */
  async verify(meshId: string): Promise<AuditVerifyResponse> {
    return this.dataSource.transaction('REPEATABLE READ', async (m) => {
      let checked = 0;
      let prevSeq = 0;
      let prevHash = AUDIT_GENESIS_HASH;
      for (;;) {
        const rows = await this.repo.pageAfter(m, meshId, prevSeq, AUDIT_VERIFY_PAGE);
        for (const row of rows) {
          const reason = brokenReason(meshId, row, prevSeq, prevHash);
          if (reason) return { valid: false, checked, brokenAt: { seq: row.seq, reason } };
          checked += 1;
          prevSeq = row.seq;
          prevHash = row.hash;
        }
        if (rows.length < AUDIT_VERIFY_PAGE) break;
      }
      return { valid: true, checked, headSeq: prevSeq, headHash: prevHash };
    });
  }

  private access(): MeshAccessService {
    // Resolved lazily: the mesh module depends on this one (it appends audit entries), so it cannot be imported here.
    this.meshAccess ??= this.moduleRef.get(MeshAccessService, { strict: false });
    return this.meshAccess;
  }

  private announce(heads: Map<string, number>): void {
    for (const [meshId, seq] of heads) this.realtime.emitUi(meshId, 'audit_appended', { meshId, seq });
  }
}

function brokenReason(
  meshId: string,
  row: { seq: number; prevHash: string; hash: string } & Parameters<typeof rowToHashInput>[1],
  prevSeq: number,
  prevHash: string,
): AuditBreakReason | null {
  if (row.seq !== prevSeq + 1) return 'seq_gap';
  if (row.prevHash !== prevHash) return 'prev_hash_mismatch';
  if (auditHash(rowToHashInput(meshId, row)) !== row.hash) return 'hash_mismatch';
  return null;
}

/** A JSON round trip makes the hashed value identical to what jsonb gives back; forbidden keys fail loudly. */
function normalizeData(type: string, data: Record<string, unknown>): Record<string, unknown> {
  const normalized = JSON.parse(JSON.stringify(data ?? {})) as Record<string, unknown>;
  for (const key of Object.keys(normalized)) {
    if (FORBIDDEN_DATA_KEYS.has(key)) throw new Error(`audit ${type}: data key "${key}" is not metadata`);
  }
  return normalized;
}
