import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'server_node', schema: 'mesh' })
export class ServerNodeEntity {
  /** New for each process start. */
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id!: string;

  @Column({ name: 'hostname', type: 'varchar', length: 255 })
  hostname!: string;

  @Column({ name: 'version', type: 'varchar', length: 40 })
  version!: string;

  @Column({ name: 'started_at', type: 'timestamptz', default: () => 'now()' })
  startedAt!: Date;

  @Column({ name: 'last_heartbeat_at', type: 'timestamptz', default: () => 'now()' })
  lastHeartbeatAt!: Date;

  @Column({ name: 'stopped_at', type: 'timestamptz', nullable: true })
  stoppedAt!: Date | null;
}
