import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** Releasing delivery claims held by presences (protocol.md §5.1, §5.2, §6 item 6): the rows become claimable at once. */
@Injectable()
export class ClaimsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Returns the distinct recipient members of the released rows (to nudge their drains). */
  async releaseByPresence(m: EntityManager | undefined, presenceIds: string[]): Promise<string[]> {
    if (presenceIds.length === 0) return [];
    const res = (await (m ?? this.dataSource.manager).query(
      `UPDATE mesh.delivery SET claimed_by_presence_id = NULL, claim_expires_at = NULL
        WHERE claimed_by_presence_id = ANY($1::varchar[]) AND acked_at IS NULL
       RETURNING recipient_member_id`,
      [presenceIds],
    )) as [{ recipient_member_id: string }[], number];
    return [...new Set(res[0].map((r) => r.recipient_member_id))];
  }
}
