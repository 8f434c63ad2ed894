import { Column, Entity, PrimaryColumn } from 'typeorm';

export type PresenceStatus = 'idle' | 'working' | 'dnd';
export type PresenceStatusSource = 'hook' | 'manual' | 'inferred';
export type PresenceEndReason = 'closed' | 'timeout' | 'left' | 'removed' | 'mesh_archived';

@Entity({ name: 'presence', schema: 'mesh' })
export class PresenceEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 32 })
  id!: string;

  @Column({ name: 'mesh_id', type: 'varchar', length: 32 })
  meshId!: string;

  @Column({ name: 'member_id', type: 'varchar', length: 32 })
  memberId!: string;

  @Column({ name: 'session_id', type: 'uuid' })
  sessionId!: string;

  /** The server node holding the socket (no FK). */
  @Column({ name: 'node_id', type: 'uuid' })
  nodeId!: string;

  @Column({ name: 'socket_id', type: 'varchar', length: 64 })
  socketId!: string;

  @Column({ name: 'display_name', type: 'varchar', length: 64 })
  displayName!: string;

  @Column({ name: 'pid', type: 'integer', nullable: true })
  pid!: number | null;

  @Column({ name: 'cwd', type: 'varchar', length: 512, nullable: true })
  cwd!: string | null;

  @Column({ name: 'status', type: 'text', default: 'idle' })
  status!: PresenceStatus;

  @Column({ name: 'status_source', type: 'text', default: 'inferred' })
  statusSource!: PresenceStatusSource;

  @Column({ name: 'status_updated_at', type: 'timestamptz', default: () => 'now()' })
  statusUpdatedAt!: Date;

  @Column({ name: 'summary', type: 'text', default: '' })
  summary!: string;

  @Column({ name: 'connected_at', type: 'timestamptz', default: () => 'now()' })
  connectedAt!: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz', default: () => 'now()' })
  lastSeenAt!: Date;

  /** Set = in grace. */
  @Column({ name: 'disconnected_at', type: 'timestamptz', nullable: true })
  disconnectedAt!: Date | null;

  /** Set = gone. */
  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  @Column({ name: 'end_reason', type: 'text', nullable: true })
  endReason!: PresenceEndReason | null;
}
