import { Column, Entity, PrimaryColumn } from 'typeorm';

export type InviteRole = 'admin' | 'member';

@Entity({ name: 'invite', schema: 'mesh' })
export class InviteEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 32 })
  id!: string;

  @Column({ name: 'mesh_id', type: 'varchar', length: 32 })
  meshId!: string;

  @Column({ name: 'version', type: 'smallint' })
  version!: 1 | 2;

  @Column({ name: 'code', type: 'varchar', length: 64, nullable: true })
  code!: string | null;

  @Column({ name: 'role', type: 'text' })
  role!: InviteRole;

  @Column({ name: 'max_uses', type: 'integer' })
  maxUses!: number;

  @Column({ name: 'used_count', type: 'integer', default: 0 })
  usedCount!: number;

  /** Whole seconds (CHECK). */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  /** v2: the exact signed canonical bytes. */
  @Column({ name: 'canonical_v2', type: 'text', nullable: true })
  canonicalV2!: string | null;

  @Column({ name: 'signature_v2', type: 'char', length: 128, nullable: true })
  signatureV2!: string | null;

  /** v1: SHA-256 hex of the token. */
  @Column({ name: 'token_hash', type: 'char', length: 64, nullable: true })
  tokenHash!: string | null;

  /** v1: `enc1:`, context `invite/<id>/v1-token`. */
  @Column({ name: 'token_enc', type: 'text', nullable: true })
  tokenEnc!: string | null;

  @Column({ name: 'created_by_account_id', type: 'varchar', length: 32, nullable: true })
  createdByAccountId!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'last_claimed_pubkey', type: 'char', length: 64, nullable: true })
  lastClaimedPubkey!: string | null;
}
