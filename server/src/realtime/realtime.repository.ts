import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The few reads the socket layer needs to address events (member pubkeys for peer_left, member rooms of a mesh). */
@Injectable()
export class RealtimeRepository {
  constructor(private readonly dataSource: DataSource) {}

  async memberPubkey(memberId: string): Promise<string | null> {
    const rows: { peer_pubkey: string }[] = await this.dataSource.query('SELECT peer_pubkey FROM mesh.member WHERE id = $1', [memberId]);
    return rows[0]?.peer_pubkey ?? null;
  }

  async meshMembers(meshId: string): Promise<{ id: string; pubkey: string }[]> {
    const rows: { id: string; peer_pubkey: string }[] = await this.dataSource.query(
      'SELECT id, peer_pubkey FROM mesh.member WHERE mesh_id = $1',
      [meshId],
    );
    return rows.map((r) => ({ id: r.id, pubkey: r.peer_pubkey }));
  }
}
