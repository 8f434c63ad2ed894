import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Priority } from '@claudemesh/shared/protocol';
import type { TargetKind } from '@claudemesh/shared/dto';
import { fastQuery } from './pg-fast';

/** One validated send, ready for the shared insert statement. */
export interface MessageInsert {
  id: string;
  meshId: string;
  senderMemberId: string;
  senderPubkey: string;
  senderDisplayName: string;
  senderSessionId: string;
  clientId: string;
  target: string;
  targetKind: TargetKind;
  toSessionId: string | null;
  priority: Priority;
  keyEpoch: number | null;
  nonce: string;
  ciphertext: string;
  sizeBytes: number;
  contentHash: string;
}

export type InsertOutcome =
  /** `claimed`: the recipients whose row was claimed on write for the session offered in the batch (§6 item 15). */
  | { kind: 'inserted'; seq: number; recipients: string[]; claimed: string[]; createdAt: Date }
  | { kind: 'existing'; messageId: string; seq: number; recipientCount: number; contentHash: string }
  /** Lost a race on the idempotency index to a concurrent insert: look it up again. */
  | { kind: 'raced' }
  | { kind: 'unknown_recipient' }
  | { kind: 'stale_key_epoch'; currentEpoch: number }
  | { kind: 'forbidden' };

export interface ExistingMessage {
  id: string;
  seq: number;
  recipientCount: number;
  contentHash: string;
}

interface BatchRow {
  id: string;
  reject: string | null;
  root_key_epoch: number | null;
  seq: string | null;
  created_at: Date | null;
  existing_id: string | null;
  existing_seq: string | null;
  existing_recipients: number | null;
  existing_hash: string | null;
  recipients: string[] | null;
  claimed: string[] | null;
}

/** A local session offered for claim on write: at most one per recipient member. */
export interface WriteClaimCandidate {
  memberId: string;
  presenceId: string;
  socketId: string;
}

/**
 * One statement per batch of sends (protocol.md §6 items 1, 2, 11, 15): the idempotency lookup, fan-out on write to the
 * non-revoked members, the unknown-recipient and key-epoch checks, the message rows and all their delivery rows.
 * A single statement is atomic, so every message is durable with all its deliveries before any ack is sent.
 */
const INSERT_BATCH_SQL = `
WITH input AS (
  SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::uuid[], $7::uuid[],
                       $8::varchar[], $9::text[], $10::uuid[], $11::text[], $12::int[], $13::text[], $14::text[], $15::int[], $16::varchar[])
    AS t(id, mesh_id, sender_member_id, sender_pubkey, sender_display_name, sender_session_id, client_id,
         target, target_kind, to_session_id, priority, key_epoch, nonce, ciphertext, size_bytes, content_hash)
),
existing AS (
  SELECT i.id AS input_id, e.id, e.seq, e.recipient_count, e.content_hash
    FROM input i CROSS JOIN LATERAL (
      SELECT x.id, x.seq, x.recipient_count, x.content_hash FROM mesh.message x
       WHERE x.sender_member_id = i.sender_member_id AND x.client_id = i.client_id) e
),
fresh AS (SELECT i.* FROM input i WHERE NOT EXISTS (SELECT 1 FROM existing x WHERE x.input_id = i.id)),
rcpt AS (
  SELECT i.id AS message_id, mem.id AS member_id
    FROM fresh i JOIN mesh.member mem
      ON mem.mesh_id = i.mesh_id AND mem.peer_pubkey = i.target::bpchar AND mem.revoked_at IS NULL
   WHERE i.target_kind = 'direct'
  UNION ALL
  SELECT i.id, mem.id
    FROM fresh i JOIN mesh.member mem ON mem.mesh_id = i.mesh_id AND mem.revoked_at IS NULL AND mem.id <> i.sender_member_id
   WHERE i.target_kind = 'broadcast'
  UNION ALL
  SELECT i.id, mem.id
    FROM fresh i JOIN mesh.member mem
      ON mem.mesh_id = i.mesh_id AND mem.revoked_at IS NULL AND mem.id <> i.sender_member_id AND mem.groups ? substr(i.target, 2)
   WHERE i.target_kind = 'group'
),
counts AS (SELECT message_id, count(*)::int AS n FROM rcpt GROUP BY message_id),
checked AS (
  SELECT i.*, ms.root_key_epoch, COALESCE(c.n, 0) AS n,
         CASE
           WHEN EXISTS (SELECT 1 FROM existing x WHERE x.input_id = i.id) THEN 'existing'
           WHEN ms.id IS NULL OR ms.archived_at IS NOT NULL OR snd.id IS NULL THEN 'forbidden'
           WHEN i.target_kind = 'direct' AND c.n IS NULL THEN 'unknown_recipient'
           WHEN i.target_kind <> 'direct' AND i.key_epoch <> ms.root_key_epoch THEN 'stale_key_epoch'
         END AS reject
    FROM input i
    LEFT JOIN counts c ON c.message_id = i.id
    LEFT JOIN mesh.mesh ms ON ms.id = i.mesh_id
    LEFT JOIN mesh.member snd ON snd.id = i.sender_member_id AND snd.revoked_at IS NULL
),
ins AS (
  INSERT INTO mesh.message (id, mesh_id, sender_member_id, sender_pubkey, sender_display_name, sender_session_id, client_id,
                            target, target_kind, to_session_id, priority, key_epoch, nonce, ciphertext, size_bytes, content_hash,
                            recipient_count, created_at, expires_at)
  SELECT id, mesh_id, sender_member_id, sender_pubkey, sender_display_name, sender_session_id, client_id,
         target, target_kind, to_session_id, priority, key_epoch, decode(nonce, 'base64'), decode(ciphertext, 'base64'), size_bytes,
         content_hash, n, now(), now() + make_interval(secs => $17)
    FROM checked WHERE reject IS NULL
  ON CONFLICT (sender_member_id, client_id) DO NOTHING
  RETURNING id, seq, mesh_id, priority, to_session_id, sender_session_id, created_at, expires_at
),
cand AS (
  -- §6 item 15: a session offered by this node takes rows on write only while it is still held by that socket and its
  -- member has no older row it could claim (item 4); room is what the inflight cap leaves.
  SELECT c.member_id, pr.id AS presence_id, pr.session_id, pr.status,
         $21::int - (SELECT count(*) FROM mesh.delivery x
                       WHERE x.claimed_by_presence_id = pr.id AND x.acked_at IS NULL AND x.claim_expires_at > now())::int AS room
    FROM unnest($18::varchar[], $19::varchar[], $20::varchar[]) AS c(member_id, presence_id, socket_id)
    JOIN mesh.presence pr ON pr.id = c.presence_id AND pr.socket_id = c.socket_id AND pr.member_id = c.member_id
   WHERE pr.ended_at IS NULL AND pr.disconnected_at IS NULL
     AND NOT EXISTS (
       SELECT 1 FROM mesh.delivery d
        WHERE d.recipient_member_id = c.member_id
          AND d.acked_at IS NULL AND d.expires_at > now()
          AND (d.claim_expires_at IS NULL OR d.claim_expires_at <= now())
          AND (pr.status = 'idle' OR d.priority = 'now')
          AND d.sender_session_id <> pr.session_id
          AND (d.to_session_id IS NULL OR d.to_session_id = pr.session_id
               OR NOT EXISTS (SELECT 1 FROM mesh.presence q
                               WHERE q.member_id = d.recipient_member_id AND q.session_id = d.to_session_id AND q.ended_at IS NULL)))
),
wr AS (
  SELECT ins.id, r.member_id, ins.mesh_id, ins.seq, ins.priority, ins.to_session_id, ins.sender_session_id, ins.created_at, ins.expires_at,
         c.presence_id, c.room,
         (c.presence_id IS NOT NULL AND (c.status = 'idle' OR ins.priority = 'now') AND ins.sender_session_id <> c.session_id
          AND (ins.to_session_id IS NULL OR ins.to_session_id = c.session_id)) AS ok
    FROM ins JOIN rcpt r ON r.message_id = ins.id LEFT JOIN cand c ON c.member_id = r.member_id
),
wc AS (SELECT wr.*, (ok AND row_number() OVER (PARTITION BY member_id, ok ORDER BY seq) <= room) AS take FROM wr),
dl AS (
  INSERT INTO mesh.delivery (message_id, recipient_member_id, mesh_id, seq, priority, to_session_id, sender_session_id, created_at, expires_at,
                             claimed_by_presence_id, claim_expires_at, attempts)
  SELECT id, member_id, mesh_id, seq, priority, to_session_id, sender_session_id, created_at, expires_at,
         CASE WHEN take THEN presence_id END, CASE WHEN take THEN now() + make_interval(secs => $22) END, CASE WHEN take THEN 1 ELSE 0 END
    FROM wc
  RETURNING message_id, recipient_member_id, claimed_by_presence_id
)
SELECT c.id, c.reject, c.root_key_epoch, ins.seq, ins.created_at,
       x.id AS existing_id, x.seq AS existing_seq, x.recipient_count AS existing_recipients, x.content_hash AS existing_hash,
       (SELECT array_agg(d.recipient_member_id) FROM dl d WHERE d.message_id = c.id) AS recipients,
       (SELECT array_agg(d.recipient_member_id) FROM dl d WHERE d.message_id = c.id AND d.claimed_by_presence_id IS NOT NULL) AS claimed
  FROM checked c LEFT JOIN ins ON ins.id = c.id LEFT JOIN existing x ON x.input_id = c.id`;

/** SQL of the message table: the batched send statement and the idempotency lookup. */
@Injectable()
export class MessageRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insertBatch(
    items: MessageInsert[],
    ttlSeconds: number,
    claim: { candidates: WriteClaimCandidate[]; maxInflight: number; leaseSeconds: number },
  ): Promise<InsertOutcome[]> {
    const col = <K extends keyof MessageInsert>(k: K) => items.map((i) => i[k]);
    const rows = await fastQuery<BatchRow>(this.dataSource, 'cm_send_batch', INSERT_BATCH_SQL, [
      col('id'),
      col('meshId'),
      col('senderMemberId'),
      col('senderPubkey'),
      col('senderDisplayName'),
      col('senderSessionId'),
      col('clientId'),
      col('target'),
      col('targetKind'),
      col('toSessionId'),
      col('priority'),
      col('keyEpoch'),
      col('nonce'),
      col('ciphertext'),
      col('sizeBytes'),
      col('contentHash'),
      ttlSeconds,
      claim.candidates.map((c) => c.memberId),
      claim.candidates.map((c) => c.presenceId),
      claim.candidates.map((c) => c.socketId),
      claim.maxInflight,
      claim.leaseSeconds,
    ]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return items.map((i) => toOutcome(byId.get(i.id)));
  }

  async findByClientId(senderMemberId: string, clientId: string): Promise<ExistingMessage | null> {
    const rows = (await this.dataSource.query(
      `SELECT id, seq, recipient_count, content_hash FROM mesh.message WHERE sender_member_id = $1 AND client_id = $2`,
      [senderMemberId, clientId],
    )) as { id: string; seq: string; recipient_count: number; content_hash: string }[];
    const r = rows[0];
    return r ? { id: r.id, seq: Number(r.seq), recipientCount: r.recipient_count, contentHash: r.content_hash } : null;
  }
}

function toOutcome(r: BatchRow | undefined): InsertOutcome {
  if (!r) return { kind: 'raced' };
  switch (r.reject) {
    case 'existing':
      return { kind: 'existing', messageId: r.existing_id!, seq: Number(r.existing_seq), recipientCount: r.existing_recipients!, contentHash: r.existing_hash! };
    case 'forbidden':
      return { kind: 'forbidden' };
    case 'unknown_recipient':
      return { kind: 'unknown_recipient' };
    case 'stale_key_epoch':
      return { kind: 'stale_key_epoch', currentEpoch: r.root_key_epoch ?? 0 };
    default:
      if (r.seq === null) return { kind: 'raced' };
      return { kind: 'inserted', seq: Number(r.seq), recipients: r.recipients ?? [], claimed: r.claimed ?? [], createdAt: r.created_at! };
  }
}
