import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The single row (id = 1) holding the master-key check and the first-run setup token hash. */
@Entity({ name: 'instance', schema: 'mesh' })
export class InstanceEntity {
  @PrimaryColumn({ name: 'id', type: 'smallint' })
  id!: number;

  @Column({ name: 'key_check', type: 'text' })
  keyCheck!: string;

  @Column({ name: 'setup_token_hash', type: 'char', length: 64, nullable: true })
  setupTokenHash!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
