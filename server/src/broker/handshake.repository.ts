import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { MemberRole } from '@claudemesh/shared/protocol';

export interface MeshMemberRow {
  mesh_id: string;
  mesh_name: string;
  archived_at: Date | null;
  root_key_epoch: number;
  member_id: string | null;
  member_display_name: string | null;
  role: MemberRole | null;
  revoked_at: Date | null;
  joined_key_epoch: number | null;
}

/** Reads and the replay insert of the /peer handshake (protocol.md §4). */
@Injectable()
export class HandshakeRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Conditional insert into the shared replay store; false means the key was already there (a replay). */
  async insertReplay(key: string, ttlSeconds: number): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `INSERT INTO mesh.handshake_replay (key, expires_at) VALUES ($1, now() + make_interval(secs => $2))
       ON CONFLICT (key) DO NOTHING RETURNING key`,
      [key, ttlSeconds],
    )) as unknown[];
    return rows.length === 1;
  }

  async findMeshMember(meshId: string, pubkey: string): Promise<MeshMemberRow | null> {
    const rows = (await this.dataSource.query(
      `SELECT ms.id AS mesh_id, ms.name AS mesh_name, ms.archived_at, ms.root_key_epoch,
              m.id AS member_id, m.display_name AS member_display_name, m.role, m.revoked_at, m.joined_key_epoch
         FROM mesh.mesh ms LEFT JOIN mesh.member m ON m.mesh_id = ms.id AND m.peer_pubkey = $2
        WHERE ms.id = $1`,
      [meshId, pubkey],
    )) as MeshMemberRow[];
    return rows[0] ?? null;
  }

  /** Capacity inputs: live presences of the mesh and of the member, and whether this (member, session) has one. */
  async capacity(meshId: string, memberId: string, sessionId: string): Promise<{ mesh: number; member: number; hasLive: boolean }> {
    const rows = (await this.dataSource.query(
      `SELECT count(*) AS mesh,
              count(*) FILTER (WHERE member_id = $2) AS member,
              bool_or(member_id = $2 AND session_id = $3) AS has_live
         FROM mesh.presence WHERE mesh_id = $1 AND ended_at IS NULL`,
      [meshId, memberId, sessionId],
    )) as { mesh: string; member: string; has_live: boolean | null }[];
    const r = rows[0];
    return { mesh: Number(r.mesh), member: Number(r.member), hasLive: r.has_live === true };
  }

  async currentEpoch(meshId: string): Promise<number> {
    const rows = (await this.dataSource.query(`SELECT root_key_epoch FROM mesh.mesh WHERE id = $1`, [meshId])) as { root_key_epoch: number }[];
    return rows[0]?.root_key_epoch ?? 0;
  }
}
