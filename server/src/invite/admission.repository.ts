import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { MemberEntity } from '@claudemesh/database';

export interface NewMemberRow {
  id: string;
  meshId: string;
  peerPubkey: string;
  displayName: string;
  role: 'admin' | 'member';
  inviteId: string;
  joinedKeyEpoch: number;
  accountId: string | null;
}

/** SQL for the member side of an admission (invites.md §6.2). */
@Injectable()
export class AdmissionRepository {
  constructor(private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  findMember(meshId: string, peerPubkey: string, manager?: EntityManager): Promise<MemberEntity | null> {
    return this.m(manager).findOneBy(MemberEntity, { meshId, peerPubkey });
  }

  /** Serialises admissions per mesh so the member cap is exact; taken after the invite row lock. */
  async lockMesh(manager: EntityManager, key: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock($1::bigint)', [key]);
  }

  async countActive(manager: EntityManager, meshId: string): Promise<number> {
    const rows: { n: string }[] = await manager.query(
      `SELECT count(*) AS n FROM mesh.member WHERE mesh_id = $1 AND revoked_at IS NULL`,
      [meshId],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** The mesh's current epoch, read inside the admission transaction. */
  async currentEpoch(manager: EntityManager, meshId: string): Promise<number> {
    const rows: { root_key_epoch: number }[] = await manager.query(`SELECT root_key_epoch FROM mesh.mesh WHERE id = $1`, [meshId]);
    return Number(rows[0].root_key_epoch);
  }

  /** The `enc1:` root key of an epoch, read on the transaction's own connection (no second pool connection). */
  async rootKeyEnc(manager: EntityManager, meshId: string, epoch: number): Promise<string> {
    const rows: { key_enc: string }[] = await manager.query(`SELECT key_enc FROM mesh.mesh_root_key WHERE mesh_id = $1 AND epoch = $2`, [
      meshId,
      epoch,
    ]);
    if (!rows[0]) throw new Error(`root key ${epoch} missing`);
    return rows[0].key_enc;
  }

  /** Inserts a new member; returns false when the (mesh, pubkey) row appeared concurrently. */
  async insertMember(manager: EntityManager, r: NewMemberRow): Promise<boolean> {
    const rows: { id: string }[] = await manager.query(
      `INSERT INTO mesh.member (id, mesh_id, peer_pubkey, display_name, role, account_id, invite_id, joined_key_epoch, joined_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
       ON CONFLICT ON CONSTRAINT member_mesh_pubkey_uq DO NOTHING
       RETURNING id`,
      [r.id, r.meshId, r.peerPubkey, r.displayName, r.role, r.accountId, r.inviteId, r.joinedKeyEpoch],
    );
    return rows.length > 0;
  }

  /** Rejoin of a removed member: the same row, cleared revocation, the new invite's role (§6.1). Never re-links. */
  async reactivate(manager: EntityManager, memberId: string, r: Omit<NewMemberRow, 'id' | 'meshId' | 'peerPubkey'>): Promise<boolean> {
    const res = await manager.query(
      `UPDATE mesh.member
          SET revoked_at = NULL, revoked_reason = NULL, revoked_by_account_id = NULL,
              display_name = $2, role = $3, invite_id = $4, joined_key_epoch = $5, joined_at = now(),
              account_id = COALESCE(account_id, $6)
        WHERE id = $1 AND revoked_at IS NOT NULL`,
      [memberId, r.displayName, r.role, r.inviteId, r.joinedKeyEpoch, r.accountId],
    );
    return Number(res?.[1] ?? 0) > 0;
  }

  /** Links an unlinked member to an account (§7); a member linked to another account is left alone. */
  async linkIfUnlinked(memberId: string, accountId: string): Promise<boolean> {
    const res = await this.m().query(`UPDATE mesh.member SET account_id = $2 WHERE id = $1 AND account_id IS NULL`, [memberId, accountId]);
    return Number(res?.[1] ?? 0) > 0;
  }
}
