import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'pending_invite', schema: 'mesh' })
export class PendingInviteEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 32 })
  id!: string;

  @Column({ name: 'mesh_id', type: 'varchar', length: 32 })
  meshId!: string;

  @Column({ name: 'invite_id', type: 'varchar', length: 32 })
  inviteId!: string;

  /** Lowercased. */
  @Column({ name: 'email', type: 'varchar', length: 254 })
  email!: string;

  @Column({ name: 'created_by_account_id', type: 'varchar', length: 32, nullable: true })
  createdByAccountId!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'sent_count', type: 'integer', default: 0 })
  sentCount!: number;

  @Column({ name: 'last_sent_at', type: 'timestamptz', nullable: true })
  lastSentAt!: Date | null;

  @Column({ name: 'accepted_at', type: 'timestamptz', nullable: true })
  acceptedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'accepted_member_id', type: 'varchar', length: 32, nullable: true })
  acceptedMemberId!: string | null;
}
