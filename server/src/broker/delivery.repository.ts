import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Priority } from '@claudemesh/shared/protocol';
import { fastQuery } from './pg-fast';

/** A claimed delivery joined with its message: everything a `message` event needs. */
export interface ClaimedRow {
  message_id: string;
  seq: string;
  attempts: number;
  mesh_id: string;
  sender_member_id: string;
  sender_pubkey: string;
  sender_display_name: string;
  sender_session_id: string;
  target: string;
  to_session_id: string | null;
  priority: Priority;
  key_epoch: number | null;
  nonce: Buffer;
  ciphertext: Buffer;
  created_at: Date;
}

/**
 * protocol.md §6 item 4, for a batch of sessions at once: for each presence P (still held by its socket), rows of its
 * member that are unacked, unexpired, free, allowed by P's status, pinned to nobody / to P's session / to a session
 * with no live presence of the member, and not sent by P's session — in seq order, at most
 * min(batch, MAX_INFLIGHT − P's unacked claims), locked with SKIP LOCKED so concurrent drains get disjoint sets.
 */
const CLAIM_SQL = `
WITH s AS (SELECT * FROM unnest($1::varchar[], $2::varchar[]) AS s(presence_id, socket_id)),
p AS (
  SELECT pr.id, pr.member_id, pr.session_id, pr.status,
         GREATEST(0, LEAST($4::int, $3::int - (SELECT count(*) FROM mesh.delivery x
            WHERE x.claimed_by_presence_id = pr.id AND x.acked_at IS NULL AND x.claim_expires_at > now())))::int AS lim
    FROM mesh.presence pr JOIN s ON s.presence_id = pr.id AND s.socket_id = pr.socket_id
   WHERE pr.ended_at IS NULL AND pr.disconnected_at IS NULL
),
c AS (
  SELECT x.message_id, x.recipient_member_id, p.id AS presence_id
    FROM p CROSS JOIN LATERAL (
      SELECT d.message_id, d.recipient_member_id
        FROM mesh.delivery d
       WHERE d.recipient_member_id = p.member_id
         AND d.acked_at IS NULL AND d.expires_at > now()
         AND (d.claim_expires_at IS NULL OR d.claim_expires_at <= now())
         AND (p.status = 'idle' OR d.priority = 'now')
         AND d.sender_session_id <> p.session_id
         AND (d.to_session_id IS NULL OR d.to_session_id = p.session_id
              OR NOT EXISTS (SELECT 1 FROM mesh.presence q
                              WHERE q.member_id = d.recipient_member_id AND q.session_id = d.to_session_id AND q.ended_at IS NULL))
       ORDER BY d.seq
       LIMIT p.lim
       FOR UPDATE OF d SKIP LOCKED) x
)
UPDATE mesh.delivery d
   SET claimed_by_presence_id = c.presence_id, claim_expires_at = now() + make_interval(secs => $5), attempts = d.attempts + 1
  FROM c, mesh.message m
 WHERE d.message_id = c.message_id AND d.recipient_member_id = c.recipient_member_id AND m.id = d.message_id
RETURNING d.claimed_by_presence_id, d.message_id, d.seq, d.attempts, m.mesh_id, m.sender_member_id, m.sender_pubkey,
          m.sender_display_name, m.sender_session_id, m.target, m.to_session_id, m.priority, m.key_epoch, m.nonce, m.ciphertext,
          m.created_at`;

/** SQL of the delivery table: claims, acks, the drain scan and the sweeper. */
@Injectable()
export class DeliveryRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Claims for presence P while `socketId` still holds it; rows come back sorted by seq. */
  async claim(presenceId: string, socketId: string, maxInflight: number, leaseSeconds: number, batch = 100): Promise<ClaimedRow[]> {
    return (await this.claimMany([{ presenceId, socketId }], maxInflight, leaseSeconds, batch)).get(presenceId) ?? [];
  }

  /** One claim statement for several sessions (at most one per member); rows per presence, sorted by seq. */
  async claimMany(
    sessions: { presenceId: string; socketId: string }[],
    maxInflight: number,
    leaseSeconds: number,
    batch = 100,
  ): Promise<Map<string, ClaimedRow[]>> {
    const rows = await fastQuery<ClaimedRow & { claimed_by_presence_id: string }>(this.dataSource, 'cm_claim', CLAIM_SQL, [
      sessions.map((s) => s.presenceId),
      sessions.map((s) => s.socketId),
      maxInflight,
      batch,
      leaseSeconds,
    ]);
    const out = new Map<string, ClaimedRow[]>();
    for (const r of rows) {
      const list = out.get(r.claimed_by_presence_id);
      if (list) list.push(r);
      else out.set(r.claimed_by_presence_id, [r]);
    }
    for (const list of out.values()) if (list.length > 1) list.sort((a, b) => Number(a.seq) - Number(b.seq));
    return out;
  }

  /** Acks (member, message) pairs; returns the pairs that were newly acked. */
  async ack(pairs: { memberId: string; messageId: string }[]): Promise<Set<string>> {
    const rows = await fastQuery<{ recipient_member_id: string; message_id: string }>(
      this.dataSource,
      'cm_ack',
      `UPDATE mesh.delivery d SET acked_at = now()
         FROM unnest($1::varchar[], $2::varchar[]) AS a(member_id, message_id)
        WHERE d.recipient_member_id = a.member_id AND d.message_id = a.message_id AND d.acked_at IS NULL
       RETURNING d.recipient_member_id, d.message_id`,
      [pairs.map((p) => p.memberId), pairs.map((p) => p.messageId)],
    );
    return new Set(rows.map((r) => `${r.recipient_member_id}:${r.message_id}`));
  }

  /** Unacked, unexpired rows of the member (welcome.queued). */
  async countQueued(memberId: string): Promise<number> {
    const rows = (await this.dataSource.query(
      `SELECT count(*) AS n FROM mesh.delivery WHERE recipient_member_id = $1 AND acked_at IS NULL AND expires_at > now()`,
      [memberId],
    )) as { n: string }[];
    return Number(rows[0].n);
  }

  /** claudemesh_queue_depth: unacked, unexpired delivery rows. */
  async queueDepth(): Promise<number> {
    const rows = (await this.dataSource.query(`SELECT count(*) AS n FROM mesh.delivery WHERE acked_at IS NULL AND expires_at > now()`)) as { n: string }[];
    return Number(rows[0].n);
  }

  /** drain-scan: which of these members have claimable rows right now. */
  async membersWithClaimable(memberIds: string[]): Promise<string[]> {
    if (memberIds.length === 0) return [];
    const rows = (await this.dataSource.query(
      `SELECT DISTINCT recipient_member_id FROM mesh.delivery
        WHERE recipient_member_id = ANY($1::varchar[]) AND acked_at IS NULL AND expires_at > now()
          AND (claim_expires_at IS NULL OR claim_expires_at <= now())`,
      [memberIds],
    )) as { recipient_member_id: string }[];
    return rows.map((r) => r.recipient_member_id);
  }

  /** delivery-sweep (data-model.md §6): acked or expired rows, in batches of 5 000. Returns the number removed. */
  async deleteDone(limit = 5000): Promise<number> {
    const res = (await this.dataSource.query(
      `DELETE FROM mesh.delivery WHERE ctid IN (
         SELECT ctid FROM mesh.delivery WHERE acked_at IS NOT NULL OR expires_at <= now() LIMIT $1)`,
      [limit],
    )) as [unknown[], number];
    return res[1];
  }

  /** Payloads of messages with no delivery row left are purged (nonce and ciphertext set to null). */
  async purgePayloads(limit = 5000): Promise<number> {
    const res = (await this.dataSource.query(
      `UPDATE mesh.message m SET nonce = NULL, ciphertext = NULL, purged_at = now()
        WHERE m.id IN (SELECT id FROM mesh.message x WHERE x.purged_at IS NULL
                          AND NOT EXISTS (SELECT 1 FROM mesh.delivery d WHERE d.message_id = x.id) LIMIT $1)`,
      [limit],
    )) as [unknown[], number];
    return res[1];
  }

  /** Message rows past expires_at whose audit entry exists (their idempotency key ends with them). */
  async deleteExpiredMessages(limit = 5000): Promise<number> {
    const res = (await this.dataSource.query(
      `DELETE FROM mesh.message WHERE id IN (
         SELECT id FROM mesh.message WHERE expires_at <= now() AND audited_at IS NOT NULL LIMIT $1)`,
      [limit],
    )) as [unknown[], number];
    return res[1];
  }

  async pruneReplay(): Promise<void> {
    await this.dataSource.query(`DELETE FROM mesh.handshake_replay WHERE expires_at <= now()`);
  }
}
