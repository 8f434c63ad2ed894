import type { AuditActorKind } from '@claudemesh/shared/protocol';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Append-only (trigger `audit_event_append_only`). */
@Entity({ name: 'audit_event', schema: 'mesh' })
export class AuditEventEntity {
  /** bigint identity, as a decimal string. */
  @PrimaryGeneratedColumn('identity', { name: 'id', type: 'bigint', generatedIdentity: 'BY DEFAULT' })
  id!: string;

  @Column({ name: 'mesh_id', type: 'varchar', length: 32 })
  meshId!: string;

  @Column({ name: 'seq', type: 'integer' })
  seq!: number;

  @Column({ name: 'type', type: 'varchar', length: 40 })
  type!: string;

  @Column({ name: 'actor_kind', type: 'text' })
  actorKind!: AuditActorKind;

  @Column({ name: 'actor_id', type: 'varchar', length: 32, nullable: true })
  actorId!: string | null;

  @Column({ name: 'actor_display_name', type: 'varchar', length: 64, nullable: true })
  actorDisplayName!: string | null;

  @Column({ name: 'data', type: 'jsonb' })
  data!: Record<string, unknown>;

  /** Millisecond precision so the hash survives a database round trip. */
  @Column({ name: 'created_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'prev_hash', type: 'char', length: 64 })
  prevHash!: string;

  @Column({ name: 'hash', type: 'char', length: 64 })
  hash!: string;
}
