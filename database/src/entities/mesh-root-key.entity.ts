import { Column, Entity, PrimaryColumn } from 'typeorm';

export type MeshRootKeyReason = 'created' | 'member_removed' | 'member_left' | 'manual';

@Entity({ name: 'mesh_root_key', schema: 'mesh' })
export class MeshRootKeyEntity {
  @PrimaryColumn({ name: 'mesh_id', type: 'varchar', length: 32 })
  meshId!: string;

  @PrimaryColumn({ name: 'epoch', type: 'integer' })
  epoch!: number;

  /** `enc1:`, context `mesh/<id>/root/<epoch>`. */
  @Column({ name: 'key_enc', type: 'text' })
  keyEnc!: string;

  @Column({ name: 'reason', type: 'text' })
  reason!: MeshRootKeyReason;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
