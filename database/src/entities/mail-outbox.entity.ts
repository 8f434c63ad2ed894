import { Column, Entity, PrimaryColumn } from 'typeorm';

export type MailTransportKind = 'outbox' | 'smtp' | 'postmark';
export type MailOutboxStatus = 'stored' | 'pending' | 'sending' | 'sent' | 'failed' | 'cancelled';

@Entity({ name: 'mail_outbox', schema: 'mesh' })
export class MailOutboxEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 32 })
  id!: string;

  @Column({ name: 'mesh_id', type: 'varchar', length: 32, nullable: true })
  meshId!: string | null;

  @Column({ name: 'invite_id', type: 'varchar', length: 32, nullable: true })
  inviteId!: string | null;

  @Column({ name: 'pending_invite_id', type: 'varchar', length: 32, nullable: true })
  pendingInviteId!: string | null;

  @Column({ name: 'to_address', type: 'varchar', length: 254 })
  toAddress!: string;

  @Column({ name: 'from_address', type: 'varchar', length: 254 })
  fromAddress!: string;

  @Column({ name: 'subject', type: 'varchar', length: 200 })
  subject!: string;

  @Column({ name: 'text_body', type: 'text' })
  textBody!: string;

  @Column({ name: 'html_body', type: 'text' })
  htmlBody!: string;

  @Column({ name: 'transport', type: 'text' })
  transport!: MailTransportKind;

  @Column({ name: 'status', type: 'text' })
  status!: MailOutboxStatus;

  @Column({ name: 'attempts', type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt!: Date;

  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true })
  lastError!: string | null;

  @Column({ name: 'provider_message_id', type: 'varchar', length: 200, nullable: true })
  providerMessageId!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;
}
