import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { EndReason, MemberRole, PeerStatus, StatusSource } from '@claudemesh/shared/protocol';

/** A presence row joined with the member fields that a Peer object needs. */
export interface PresenceRow {
  id: string;
  mesh_id: string;
  member_id: string;
  session_id: string;
  node_id: string;
  socket_id: string;
  display_name: string;
  pid: number | null;
  cwd: string | null;
  status: PeerStatus;
  status_source: StatusSource;
  status_updated_at: Date;
  summary: string;
  connected_at: Date;
  disconnected_at: Date | null;
  ended_at: Date | null;
  end_reason: EndReason | null;
  peer_pubkey: string;
  role: MemberRole;
  groups: string[];
}

export interface OfflineMemberRow {
  id: string;
  peer_pubkey: string;
  display_name: string;
  role: MemberRole;
  groups: string[];
}

export interface NewPresence {
  id: string;
  meshId: string;
  memberId: string;
  sessionId: string;
  nodeId: string;
  socketId: string;
  displayName: string;
  pid: number | null;
  cwd: string | null;
}

const P_COLS = `p.id, p.mesh_id, p.member_id, p.session_id, p.node_id, p.socket_id, p.display_name, p.pid, p.cwd, p.status,
  p.status_source, p.status_updated_at, p.summary, p.connected_at, p.disconnected_at, p.ended_at, p.end_reason`;
const PM_COLS = `${P_COLS}, m.peer_pubkey, m.role, m.groups`;

/** SQL of the presence table (data-model.md §2). Every method takes the caller's EntityManager when in a transaction. */
@Injectable()
export class PresenceRepository {
  constructor(private readonly dataSource: DataSource) {}

  private q<T = unknown>(sql: string, params: unknown[], m?: EntityManager): Promise<T> {
    return (m ?? this.dataSource.manager).query(sql, params) as Promise<T>;
  }

  async findLiveForUpdate(m: EntityManager, memberId: string, sessionId: string): Promise<PresenceRow | null> {
    const rows = await this.q<PresenceRow[]>(
      `SELECT ${PM_COLS} FROM mesh.presence p JOIN mesh.member m ON m.id = p.member_id
        WHERE p.member_id = $1 AND p.session_id = $2 AND p.ended_at IS NULL FOR UPDATE OF p`,
      [memberId, sessionId],
      m,
    );
    return rows[0] ?? null;
  }

  async findLive(presenceId: string): Promise<PresenceRow | null> {
    const rows = await this.q<PresenceRow[]>(
      `SELECT ${PM_COLS} FROM mesh.presence p JOIN mesh.member m ON m.id = p.member_id WHERE p.id = $1 AND p.ended_at IS NULL`,
      [presenceId],
    );
    return rows[0] ?? null;
  }

  async findLiveByMemberSession(memberId: string, sessionId: string): Promise<PresenceRow | null> {
    const rows = await this.q<PresenceRow[]>(
      `SELECT ${PM_COLS} FROM mesh.presence p JOIN mesh.member m ON m.id = p.member_id
        WHERE p.member_id = $1 AND p.session_id = $2 AND p.ended_at IS NULL`,
      [memberId, sessionId],
    );
    return rows[0] ?? null;
  }

  async lockLive(m: EntityManager, presenceId: string): Promise<PresenceRow | null> {
    const rows = await this.q<PresenceRow[]>(
      `SELECT ${PM_COLS} FROM mesh.presence p JOIN mesh.member m ON m.id = p.member_id
        WHERE p.id = $1 AND p.ended_at IS NULL FOR UPDATE OF p`,
      [presenceId],
      m,
    );
    return rows[0] ?? null;
  }

  async insert(m: EntityManager, p: NewPresence): Promise<void> {
    await this.q(
      `INSERT INTO mesh.presence (id, mesh_id, member_id, session_id, node_id, socket_id, display_name, pid, cwd, status_updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())`,
      [p.id, p.meshId, p.memberId, p.sessionId, p.nodeId, p.socketId, p.displayName, p.pid, p.cwd],
      m,
    );
  }

  /** Reattach or replace: the presence moves to the new socket; status, summary and groups are kept. */
  async moveToSocket(
    m: EntityManager,
    id: string,
    s: { nodeId: string; socketId: string; displayName: string; pid: number | null; cwd: string | null },
  ): Promise<void> {
    await this.q(
      `UPDATE mesh.presence SET node_id = $2, socket_id = $3, display_name = $4, pid = $5, cwd = $6,
              disconnected_at = NULL, last_seen_at = now() WHERE id = $1`,
      [id, s.nodeId, s.socketId, s.displayName, s.pid, s.cwd],
      m,
    );
  }

  /** Ends presences (by id) that are still live; returns the rows that ended. */
  async endByIds(m: EntityManager | undefined, ids: string[], reason: EndReason): Promise<PresenceRow[]> {
    if (ids.length === 0) return [];
    return this.q<PresenceRow[]>(
      `UPDATE mesh.presence p SET ended_at = now(), end_reason = $2, last_seen_at = now()
         FROM mesh.member m WHERE m.id = p.member_id AND p.id = ANY($1::varchar[]) AND p.ended_at IS NULL
       RETURNING ${PM_COLS}`,
      [ids, reason],
      m,
    ).then((r) => first<PresenceRow>(r));
  }

  /** The client closed on purpose: end at once, only if this socket still holds the presence. */
  async endIfSocket(m: EntityManager, id: string, socketId: string, reason: EndReason): Promise<PresenceRow | null> {
    const rows = await this.q<[PresenceRow[], number]>(
      `UPDATE mesh.presence p SET ended_at = now(), end_reason = $3, last_seen_at = now()
         FROM mesh.member m WHERE m.id = p.member_id AND p.id = $1 AND p.socket_id = $2 AND p.ended_at IS NULL
       RETURNING ${PM_COLS}`,
      [id, socketId, reason],
      m,
    );
    return first<PresenceRow>(rows)[0] ?? null;
  }

  /** Transport drop: grace starts, only if this socket still holds the presence. */
  async graceIfSocket(id: string, socketId: string): Promise<boolean> {
    const rows = await this.q<[unknown[], number]>(
      `UPDATE mesh.presence SET disconnected_at = now(), last_seen_at = now()
        WHERE id = $1 AND socket_id = $2 AND ended_at IS NULL AND disconnected_at IS NULL RETURNING id`,
      [id, socketId],
    );
    return first<unknown>(rows).length > 0;
  }

  /** Graceful shutdown (operations.md §8 step 3): every connected presence of this node goes into grace. */
  async graceAllOfNode(nodeId: string): Promise<string[]> {
    const rows = await this.q<[{ id: string }[], number]>(
      `UPDATE mesh.presence SET disconnected_at = now(), last_seen_at = now()
        WHERE node_id = $1 AND ended_at IS NULL AND disconnected_at IS NULL RETURNING id`,
      [nodeId],
    );
    return first<{ id: string }>(rows).map((r) => r.id);
  }

  /** Presences whose grace ran out (locked, skipping rows a reattach holds). */
  async lockExpiredGrace(m: EntityManager, graceSeconds: number, limit = 1000): Promise<string[]> {
    const rows = await this.q<{ id: string }[]>(
      `SELECT id FROM mesh.presence WHERE ended_at IS NULL AND disconnected_at IS NOT NULL
          AND disconnected_at < now() - make_interval(secs => $1) ORDER BY disconnected_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [graceSeconds, limit],
      m,
    );
    return rows.map((r) => r.id);
  }

  /** node-reaper: connected presences of dead or stopped nodes go into grace from their last heartbeat. */
  async graceOfDeadNodes(selfNodeId: string, aliveSeconds: number): Promise<{ id: string; member_id: string }[]> {
    const rows = await this.q<[{ id: string; member_id: string }[], number]>(
      `UPDATE mesh.presence p SET disconnected_at = LEAST(n.last_heartbeat_at, now())
         FROM mesh.server_node n
        WHERE p.node_id = n.id AND n.id <> $1 AND p.ended_at IS NULL AND p.disconnected_at IS NULL
          AND (n.stopped_at IS NOT NULL OR n.last_heartbeat_at < now() - make_interval(secs => $2))
       RETURNING p.id, p.member_id`,
      [selfNodeId, aliveSeconds],
    );
    return first<PresenceRow>(rows);
  }

  async setStatus(m: EntityManager, id: string, status: PeerStatus, source: StatusSource): Promise<void> {
    await this.q(`UPDATE mesh.presence SET status = $2, status_source = $3, status_updated_at = now() WHERE id = $1`, [id, status, source], m);
  }

  async setSummary(id: string, summary: string): Promise<PresenceRow | null> {
    const rows = await this.q<[PresenceRow[], number]>(
      `WITH old AS (SELECT id, summary FROM mesh.presence WHERE id = $1 AND ended_at IS NULL FOR UPDATE)
       UPDATE mesh.presence p SET summary = $2 FROM mesh.member m, old
        WHERE m.id = p.member_id AND p.id = old.id AND old.summary IS DISTINCT FROM $2
       RETURNING ${PM_COLS}`,
      [id, summary],
    );
    return first<PresenceRow>(rows)[0] ?? null;
  }

  /** status-ttl (protocol.md §8): stale `working` → idle/inferred; dnd is never touched. */
  async expireWorking(ttlSeconds: number): Promise<PresenceRow[]> {
    const rows = await this.q<[PresenceRow[], number]>(
      `UPDATE mesh.presence p SET status = 'idle', status_source = 'inferred', status_updated_at = now()
         FROM mesh.member m
        WHERE m.id = p.member_id AND p.ended_at IS NULL AND p.status = 'working'
          AND p.status_updated_at < now() - make_interval(secs => $1)
       RETURNING ${PM_COLS}`,
      [ttlSeconds],
    );
    return first<PresenceRow>(rows);
  }

  /** Live presences of the mesh ordered by connectedAt, with the total count. */
  async listLive(meshId: string, limit: number, offset: number): Promise<{ rows: PresenceRow[]; total: number }> {
    const rows = await this.q<(PresenceRow & { total: string })[]>(
      `SELECT ${PM_COLS}, count(*) OVER () AS total FROM mesh.presence p JOIN mesh.member m ON m.id = p.member_id
        WHERE p.mesh_id = $1 AND p.ended_at IS NULL ORDER BY p.connected_at, p.id LIMIT $2 OFFSET $3`,
      [meshId, limit, offset],
    );
    let total = rows.length ? Number(rows[0].total) : 0;
    if (!rows.length && offset > 0) total = await this.countLive(meshId);
    return { rows, total };
  }

  async countLive(meshId: string): Promise<number> {
    const rows = await this.q<{ n: string }[]>(`SELECT count(*) AS n FROM mesh.presence WHERE mesh_id = $1 AND ended_at IS NULL`, [meshId]);
    return Number(rows[0].n);
  }

  async livePresencesOfMember(memberId: string): Promise<PresenceRow[]> {
    return this.q<PresenceRow[]>(
      `SELECT ${PM_COLS} FROM mesh.presence p JOIN mesh.member m ON m.id = p.member_id WHERE p.member_id = $1 AND p.ended_at IS NULL`,
      [memberId],
    );
  }

  /** Non-revoked members with no live presence, ordered by joinedAt. */
  async listOfflineMembers(meshId: string, limit: number, offset: number): Promise<OfflineMemberRow[]> {
    return this.q<OfflineMemberRow[]>(
      `SELECT m.id, m.peer_pubkey, m.display_name, m.role, m.groups FROM mesh.member m
        WHERE m.mesh_id = $1 AND m.revoked_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM mesh.presence p WHERE p.member_id = m.id AND p.ended_at IS NULL)
        ORDER BY m.joined_at, m.id LIMIT $2 OFFSET $3`,
      [meshId, limit, offset],
    );
  }

  async touchMemberLastSeen(m: EntityManager | undefined, memberIds: string[]): Promise<void> {
    if (memberIds.length === 0) return;
    await this.q(`UPDATE mesh.member SET last_seen_at = now() WHERE id = ANY($1::varchar[])`, [memberIds], m);
  }

  async setMemberGroups(m: EntityManager | undefined, memberId: string, groups: string[]): Promise<void> {
    await this.q(`UPDATE mesh.member SET groups = $2::jsonb WHERE id = $1`, [memberId, JSON.stringify(groups)], m);
  }

  /** claudemesh_presences: non-ended presences by state. */
  async countStates(): Promise<{ connected: number; grace: number }> {
    const rows = await this.q<{ connected: string; grace: string }[]>(
      `SELECT count(*) FILTER (WHERE disconnected_at IS NULL) AS connected, count(*) FILTER (WHERE disconnected_at IS NOT NULL) AS grace
         FROM mesh.presence WHERE ended_at IS NULL`,
      [],
    );
    return { connected: Number(rows[0].connected), grace: Number(rows[0].grace) };
  }

  /** last_seen_at of this node's connected presences, once a minute (data-model.md §2). */
  async touchNode(nodeId: string): Promise<void> {
    await this.q(`UPDATE mesh.presence SET last_seen_at = now() WHERE node_id = $1 AND ended_at IS NULL AND disconnected_at IS NULL`, [nodeId]);
  }
}

/** TypeORM returns [rows, affected] for UPDATE … RETURNING on PostgreSQL. */
function first<T>(r: unknown): T[] {
  return Array.isArray(r) && r.length === 2 && Array.isArray(r[0]) && typeof r[1] === 'number' ? (r[0] as T[]) : (r as T[]);
}
