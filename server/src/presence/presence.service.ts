import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { generateId, fromBase64Url, toBase64Url, utf8, fromUtf8 } from '@claudemesh/shared/crypto';
import { AckFailure } from '@claudemesh/shared/errors';
import type { AuditEntryInput, EndReason, Peer } from '@claudemesh/shared/protocol';
import { AuditService } from '../audit/audit.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RealtimeService } from '../realtime/realtime.service';
import { toOfflinePeer, toPeer, toPeerLeft, toPeerStatus } from './presence.mapper';
import { PresenceRepository, PresenceRow, type NewPresence } from './presence.repository';
import { ClaimsRepository } from './claims.repository';

/** A presence to register: the row to insert, less the id the service generates. */
export type RegisterInput = Omit<NewPresence, 'id'>;

export interface RegisterResult {
  kind: 'new' | 'reattach' | 'replace';
  presence: PresenceRow;
  /** replace: the socket that held the presence. */
  replacedSocketId: string | null;
  /** A presence of this session whose grace had run out, ended before the new one was made. */
  expired: PresenceRow | null;
}

const PG_UNIQUE_VIOLATION = '23505';

/** Presence lifecycle (protocol.md §5): registration, disconnect, eviction, and the peer lists. */
@Injectable()
export class PresenceService {
  private readonly logger = new Logger('presence');

  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: PresenceRepository,
    private readonly claims: ClaimsRepository,
    private readonly realtime: RealtimeService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** One transaction: insert, reattach or replace (§5.1), releasing the presence's claims on reattach/replace. */
  async register(input: RegisterInput, groups: string[] | undefined): Promise<RegisterResult> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.dataSource.transaction((m) => this.registerTx(m, input, groups));
      } catch (e) {
        if ((e as { code?: string }).code === PG_UNIQUE_VIOLATION && attempt < 2) continue;
        throw e;
      }
    }
  }

  private async registerTx(m: EntityManager, input: RegisterInput, groups: string[] | undefined): Promise<RegisterResult> {
    if (groups) await this.repo.setMemberGroups(m, input.memberId, groups);
    const existing = await this.repo.findLiveForUpdate(m, input.memberId, input.sessionId);
    let expired: PresenceRow | null = null;
    if (existing) {
      const graceOver =
        existing.disconnected_at !== null && Date.now() - new Date(existing.disconnected_at).getTime() > this.config.leaseGraceSeconds * 1000;
      if (!graceOver) {
        await this.repo.moveToSocket(m, existing.id, input);
        await this.claims.releaseByPresence(m, [existing.id]);
        const presence = (await this.repo.findLiveForUpdate(m, input.memberId, input.sessionId))!;
        const replaced = existing.disconnected_at === null;
        return { kind: replaced ? 'replace' : 'reattach', presence, replacedSocketId: replaced ? existing.socket_id : null, expired: null };
      }
      [expired] = await this.repo.endByIds(m, [existing.id], 'timeout');
      await this.claims.releaseByPresence(m, [existing.id]);
      await this.audit.append(m, input.meshId, [disconnectedEntry(expired, 'timeout')]);
    }
    const id = generateId();
    await this.repo.insert(m, { ...input, id });
    const presence = (await this.repo.findLiveForUpdate(m, input.memberId, input.sessionId))!;
    await this.audit.append(m, input.meshId, [
      {
        type: 'peer.connected',
        actor: { kind: 'member', id: input.memberId, displayName: input.displayName },
        data: { memberId: input.memberId, sessionId: input.sessionId, displayName: input.displayName },
      },
    ]);
    return { kind: 'new', presence, replacedSocketId: null, expired };
  }

  /** After a registration committed: the events of §5.1 (peer_left for an expired one, peer_joined for a new one). */
  announceRegistration(r: RegisterResult): void {
    if (r.expired) this.announceLeft(r.expired, 'timeout');
    if (r.kind === 'new') {
      this.realtime.emitToMeshExceptMember(r.presence.mesh_id, r.presence.member_id, 'peer_joined', toPeer(r.presence, null));
      this.realtime.emitUi(r.presence.mesh_id, 'presence', { meshId: r.presence.mesh_id, kind: 'joined', peer: toPeer(r.presence, null) });
    }
  }

  announceLeft(row: PresenceRow, reason: EndReason): void {
    this.realtime.emitPeerLeft(row.mesh_id, toPeerLeft(row, reason));
  }

  announceStatus(row: PresenceRow): void {
    this.realtime.emitToMeshExceptMember(row.mesh_id, row.member_id, 'peer_status', toPeerStatus(row));
    this.realtime.emitUi(row.mesh_id, 'presence', { meshId: row.mesh_id, kind: 'status', peer: toPeer(row, null) });
  }

  /**
   * A socket went away (§5.2). `closed`: the presence ends at once. `grace`: disconnected_at is set and claims are released.
   * Both only when this socket still holds the presence (a late close from a replaced socket changes nothing).
   */
  async onDisconnect(presenceId: string, socketId: string, mode: 'closed' | 'grace'): Promise<void> {
    if (mode === 'grace') {
      if (!(await this.repo.graceIfSocket(presenceId, socketId))) return;
      const released = await this.claims.releaseByPresence(undefined, [presenceId]);
      if (released.length) this.realtime.nudge(released);
      return;
    }
    const ended = await this.dataSource.transaction(async (m) => {
      const row = await this.repo.endIfSocket(m, presenceId, socketId, 'closed');
      if (!row) return null;
      await this.claims.releaseByPresence(m, [row.id]);
      await this.repo.touchMemberLastSeen(m, [row.member_id]);
      await this.audit.append(m, row.mesh_id, [disconnectedEntry(row, 'closed')]);
      return row;
    });
    if (!ended) return;
    this.announceLeft(ended, 'closed');
    this.realtime.nudge([ended.member_id]);
  }

  /** presence-evict (leader, 5 s): end presences whose grace ran out, with peer_left and audit. */
  async evictExpired(): Promise<number> {
    const ended = await this.dataSource.transaction(async (m) => {
      const ids = await this.repo.lockExpiredGrace(m, this.config.leaseGraceSeconds);
      if (ids.length === 0) return [];
      const rows = await this.repo.endByIds(m, ids, 'timeout');
      await this.claims.releaseByPresence(m, ids);
      await this.repo.touchMemberLastSeen(m, [...new Set(rows.map((r) => r.member_id))]);
      for (const [meshId, list] of groupBy(rows, (r) => r.mesh_id)) {
        await this.audit.append(m, meshId, list.map((r) => disconnectedEntry(r, 'timeout')));
      }
      return rows;
    });
    for (const r of ended) this.announceLeft(r, 'timeout');
    if (ended.length) this.realtime.nudge([...new Set(ended.map((r) => r.member_id))]);
    return ended.length;
  }

  /** node-reaper (leader, 15 s): presences of dead nodes go into grace; their claims are released. */
  async reapDeadNodes(selfNodeId: string, aliveSeconds: number): Promise<void> {
    const rows = await this.repo.graceOfDeadNodes(selfNodeId, aliveSeconds);
    if (rows.length === 0) return;
    await this.claims.releaseByPresence(undefined, rows.map((r) => r.id));
    this.realtime.nudge([...new Set(rows.map((r) => r.member_id))]);
  }

  /** Graceful shutdown step 3: this node's presences go into grace and their claims are released. */
  async graceAllOfNode(nodeId: string): Promise<void> {
    const ids = await this.repo.graceAllOfNode(nodeId);
    if (ids.length) await this.claims.releaseByPresence(undefined, ids);
  }

  async listPeers(
    meshId: string,
    selfMemberId: string,
    q: { includeOffline: boolean; limit: number; cursor: string | null },
  ): Promise<{ peers: Peer[]; nextCursor: string | null; total: number }> {
    const offset = decodeCursor(q.cursor);
    const { rows, total } = await this.repo.listLive(meshId, q.limit, offset);
    const peers = rows.map((r) => toPeer(r, selfMemberId));
    let more = offset + rows.length < total;
    if (q.includeOffline && peers.length < q.limit) {
      const need = q.limit - peers.length;
      const off = await this.repo.listOfflineMembers(meshId, need + 1, Math.max(0, offset - total));
      more = off.length > need;
      peers.push(...off.slice(0, need).map((r) => toOfflinePeer(r, selfMemberId)));
    }
    return { peers, nextCursor: more ? encodeCursor(offset + q.limit) : null, total };
  }

  findLive(presenceId: string): Promise<PresenceRow | null> {
    return this.repo.findLive(presenceId);
  }

  findLiveByMemberSession(memberId: string, sessionId: string): Promise<PresenceRow | null> {
    return this.repo.findLiveByMemberSession(memberId, sessionId);
  }

  /** set_groups: the member's groups, then peer_status for each of its live sessions. */
  async setGroups(memberId: string, groups: string[]): Promise<void> {
    await this.repo.setMemberGroups(undefined, memberId, groups);
    for (const row of await this.repo.livePresencesOfMember(memberId)) this.announceStatus(row);
  }

  async setSummary(presenceId: string, summary: string): Promise<void> {
    const row = await this.repo.setSummary(presenceId, summary);
    if (row) this.announceStatus(row);
  }

  countStates(): Promise<{ connected: number; grace: number }> {
    return this.repo.countStates();
  }

  touchNode(nodeId: string): Promise<void> {
    return this.repo.touchNode(nodeId);
  }
}

export function disconnectedEntry(r: PresenceRow, reason: EndReason): AuditEntryInput {
  return {
    type: 'peer.disconnected',
    actor: { kind: 'member', id: r.member_id, displayName: r.display_name },
    data: { memberId: r.member_id, sessionId: r.session_id, reason },
  };
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const i of items) {
    const k = key(i);
    const l = out.get(k);
    if (l) l.push(i);
    else out.set(k, [i]);
  }
  return out;
}

/** Opaque list_peers cursor: base64url of `o:<offset>`. */
function encodeCursor(offset: number): string {
  return toBase64Url(utf8(`o:${offset}`));
}

function decodeCursor(cursor: string | null): number {
  if (cursor === null) return 0;
  const bytes = fromBase64Url(cursor);
  let text = '';
  try {
    text = bytes ? fromUtf8(bytes) : '';
  } catch {
    text = '';
  }
  const m = /^o:(\d{1,9})$/.exec(text);
  if (!m) throw new AckFailure('malformed', 'cursor is not a cursor from a previous page');
  return Number(m[1]);
}
