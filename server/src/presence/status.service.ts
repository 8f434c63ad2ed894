import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { STATUS_SOURCE_RANK, type PeerStatus, type StatusSource } from '@claudemesh/shared/protocol';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RealtimeService } from '../realtime/realtime.service';
import { PresenceRepository, PresenceRow } from './presence.repository';
import { PresenceService } from './presence.service';

export interface StatusOutcome {
  applied: boolean;
  status: PeerStatus;
  source: StatusSource;
  presence: PresenceRow;
}

/** protocol.md §8: dnd is left only by manual; manual dnd always applies; else rank ≥ current, or the current is stale. */
export function statusApplies(
  cur: { status: PeerStatus; source: StatusSource; updatedAt: Date },
  status: PeerStatus,
  source: StatusSource,
  nowMs: number,
  freshWindowSeconds: number,
): boolean {
  if (cur.status === 'dnd') return source === 'manual';
  if (status === 'dnd' && source === 'manual') return true;
  return STATUS_SOURCE_RANK[source] >= STATUS_SOURCE_RANK[cur.source] || nowMs - cur.updatedAt.getTime() > freshWindowSeconds * 1000;
}

/** Applies incoming statuses (hook, manual) and the TTL sweep, emitting peer_status and nudging drains on idle. */
@Injectable()
export class StatusService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: PresenceRepository,
    private readonly presence: PresenceService,
    private readonly realtime: RealtimeService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Null when the presence has ended. */
  async apply(presenceId: string, status: PeerStatus, source: StatusSource): Promise<StatusOutcome | null> {
    const r = await this.dataSource.transaction(async (m) => {
      const row = await this.repo.lockLive(m, presenceId);
      if (!row) return null;
      const cur = { status: row.status, source: row.status_source, updatedAt: new Date(row.status_updated_at) };
      if (!statusApplies(cur, status, source, Date.now(), this.config.hookFreshWindowSeconds)) {
        return { applied: false, status: row.status, source: row.status_source, presence: row, previous: row.status };
      }
      await this.repo.setStatus(m, presenceId, status, source);
      return { applied: true, status, source, presence: { ...row, status, status_source: source }, previous: row.status };
    });
    if (!r) return null;
    if (r.applied && r.previous !== status) {
      this.presence.announceStatus(r.presence);
      if (status === 'idle') this.realtime.nudge([r.presence.member_id]);
    }
    return { applied: r.applied, status: r.status, source: r.source, presence: r.presence };
  }

  /** status-ttl (leader, 15 s). */
  async expireWorking(): Promise<number> {
    const rows = await this.repo.expireWorking(this.config.statusTtlSeconds);
    for (const row of rows) this.presence.announceStatus(row);
    if (rows.length) this.realtime.nudge([...new Set(rows.map((r) => r.member_id))]);
    return rows.length;
  }
}
