import { Column, Entity, PrimaryColumn } from 'typeorm';

export type MemberRowRole = 'admin' | 'member';
export type MemberRevokedReason = 'removed' | 'left';

@Entity({ name: 'member', schema: 'mesh' })
export class MemberEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 32 })
  id!: string;

  @Column({ name: 'mesh_id', type: 'varchar', length: 32 })
  meshId!: string;

  /** The peer's ed25519 identity key (hex), never an x25519 key. */
  @Column({ name: 'peer_pubkey', type: 'char', length: 64 })
  peerPubkey!: string;

  @Column({ name: 'display_name', type: 'varchar', length: 64 })
  displayName!: string;

  @Column({ name: 'role', type: 'text' })
  role!: MemberRowRole;

  @Column({ name: 'groups', type: 'jsonb', default: () => "'[]'::jsonb" })
  groups!: string[];

  @Column({ name: 'account_id', type: 'varchar', length: 32, nullable: true })
  accountId!: string | null;

  @Column({ name: 'invite_id', type: 'varchar', length: 32, nullable: true })
  inviteId!: string | null;

  @Column({ name: 'joined_key_epoch', type: 'integer' })
  joinedKeyEpoch!: number;

  @Column({ name: 'joined_at', type: 'timestamptz', default: () => 'now()' })
  joinedAt!: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz', nullable: true })
  lastSeenAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'revoked_reason', type: 'text', nullable: true })
  revokedReason!: MemberRevokedReason | null;

  @Column({ name: 'revoked_by_account_id', type: 'varchar', length: 32, nullable: true })
  revokedByAccountId!: string | null;
}
