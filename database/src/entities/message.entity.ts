import { Column, Entity, PrimaryColumn } from 'typeorm';

export type MessageTargetKind = 'direct' | 'broadcast' | 'group';
export type MessagePriority = 'now' | 'next' | 'low';

@Entity({ name: 'message', schema: 'mesh' })
export class MessageEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 32 })
  id!: string;

  @Column({ name: 'mesh_id', type: 'varchar', length: 32 })
  meshId!: string;

  /** bigint from `mesh.message_seq`, as a decimal string. */
  @Column({ name: 'seq', type: 'bigint', default: () => "nextval('mesh.message_seq')" })
  seq!: string;

  @Column({ name: 'sender_member_id', type: 'varchar', length: 32 })
  senderMemberId!: string;

  @Column({ name: 'sender_pubkey', type: 'char', length: 64 })
  senderPubkey!: string;

  @Column({ name: 'sender_display_name', type: 'varchar', length: 64 })
  senderDisplayName!: string;

  @Column({ name: 'sender_session_id', type: 'uuid' })
  senderSessionId!: string;

  @Column({ name: 'client_id', type: 'uuid' })
  clientId!: string;

  /** 64 hex, `*` or `@group`. */
  @Column({ name: 'target', type: 'varchar', length: 70 })
  target!: string;

  @Column({ name: 'target_kind', type: 'text' })
  targetKind!: MessageTargetKind;

  @Column({ name: 'to_session_id', type: 'uuid', nullable: true })
  toSessionId!: string | null;

  @Column({ name: 'priority', type: 'text' })
  priority!: MessagePriority;

  @Column({ name: 'key_epoch', type: 'integer', nullable: true })
  keyEpoch!: number | null;

  @Column({ name: 'nonce', type: 'bytea', nullable: true })
  nonce!: Buffer | null;

  @Column({ name: 'ciphertext', type: 'bytea', nullable: true })
  ciphertext!: Buffer | null;

  @Column({ name: 'size_bytes', type: 'integer' })
  sizeBytes!: number;

  @Column({ name: 'content_hash', type: 'char', length: 64 })
  contentHash!: string;

  @Column({ name: 'recipient_count', type: 'integer' })
  recipientCount!: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'purged_at', type: 'timestamptz', nullable: true })
  purgedAt!: Date | null;

  @Column({ name: 'audited_at', type: 'timestamptz', nullable: true })
  auditedAt!: Date | null;
}
