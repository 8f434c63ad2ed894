import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'handshake_replay', schema: 'mesh' })
export class HandshakeReplayEntity {
  /** SHA-256 hex of `pubkey|timestamp|signature`. */
  @PrimaryColumn({ name: 'key', type: 'char', length: 64 })
  key!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
