import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'mesh', schema: 'mesh' })
export class MeshEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 32 })
  id!: string;

  @Column({ name: 'name', type: 'varchar', length: 80 })
  name!: string;

  /** Derived from the name; deliberately not unique. */
  @Column({ name: 'slug', type: 'varchar', length: 40 })
  slug!: string;

  @Column({ name: 'owner_account_id', type: 'varchar', length: 32 })
  ownerAccountId!: string;

  @Column({ name: 'owner_pubkey', type: 'char', length: 64 })
  ownerPubkey!: string;

  /** `enc1:`, context `mesh/<id>/owner-sk`. */
  @Column({ name: 'owner_secret_enc', type: 'text' })
  ownerSecretEnc!: string;

  @Column({ name: 'root_key_epoch', type: 'integer', default: 1 })
  rootKeyEpoch!: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ name: 'archived_at', type: 'timestamptz', nullable: true })
  archivedAt!: Date | null;
}
