import { Column, Entity, PrimaryColumn } from 'typeorm';

import type { MessagePriority } from './message.entity';

@Entity({ name: 'delivery', schema: 'mesh' })
export class DeliveryEntity {
  @PrimaryColumn({ name: 'message_id', type: 'varchar', length: 32 })
  messageId!: string;

  @PrimaryColumn({ name: 'recipient_member_id', type: 'varchar', length: 32 })
  recipientMemberId!: string;

  @Column({ name: 'mesh_id', type: 'varchar', length: 32 })
  meshId!: string;

  /** Copied from the message: the claim order (bigint as a decimal string). */
  @Column({ name: 'seq', type: 'bigint' })
  seq!: string;

  @Column({ name: 'priority', type: 'text' })
  priority!: MessagePriority;

  @Column({ name: 'to_session_id', type: 'uuid', nullable: true })
  toSessionId!: string | null;

  @Column({ name: 'sender_session_id', type: 'uuid' })
  senderSessionId!: string;

  /** No FK: presences are pruned. */
  @Column({ name: 'claimed_by_presence_id', type: 'varchar', length: 32, nullable: true })
  claimedByPresenceId!: string | null;

  @Column({ name: 'claim_expires_at', type: 'timestamptz', nullable: true })
  claimExpiresAt!: Date | null;

  @Column({ name: 'attempts', type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'acked_at', type: 'timestamptz', nullable: true })
  ackedAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
