import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The message sequence, presences, messages and their per-recipient deliveries (data-model.md §2). */
export class Messaging1767225800000 implements MigrationInterface {
  name = 'Messaging1767225800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE mesh.message_seq AS bigint START WITH 1 INCREMENT BY 1`);

    await q.query(`
      CREATE TABLE mesh.presence (
        id varchar(32) NOT NULL,
        mesh_id varchar(32) NOT NULL,
        member_id varchar(32) NOT NULL,
        session_id uuid NOT NULL,
        node_id uuid NOT NULL,
        socket_id varchar(64) NOT NULL,
        display_name varchar(64) NOT NULL,
        pid integer,
        cwd varchar(512),
        status text NOT NULL DEFAULT 'idle',
        status_source text NOT NULL DEFAULT 'inferred',
        status_updated_at timestamptz NOT NULL DEFAULT now(),
        summary text NOT NULL DEFAULT '',
        connected_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        disconnected_at timestamptz,
        ended_at timestamptz,
        end_reason text,
        CONSTRAINT presence_pkey PRIMARY KEY (id),
        CONSTRAINT presence_id_ck CHECK (id ~ '^[0-9A-Za-z]{32}$'),
        CONSTRAINT presence_status_ck CHECK (status IN ('idle', 'working', 'dnd')),
        CONSTRAINT presence_status_source_ck CHECK (status_source IN ('hook', 'manual', 'inferred')),
        CONSTRAINT presence_end_reason_ck CHECK (end_reason IN ('closed', 'timeout', 'left', 'removed', 'mesh_archived')),
        CONSTRAINT presence_mesh_fk FOREIGN KEY (mesh_id)
          REFERENCES mesh.mesh (id) ON DELETE CASCADE ON UPDATE CASCADE,
        CONSTRAINT presence_member_fk FOREIGN KEY (member_id)
          REFERENCES mesh.member (id) ON DELETE CASCADE ON UPDATE CASCADE
      )`);
    // One live presence per (member, session); ended rows do not block a new one.
    await q.query(`CREATE UNIQUE INDEX presence_session_uq ON mesh.presence (member_id, session_id) WHERE ended_at IS NULL`);
    await q.query(`CREATE INDEX presence_mesh_live_idx ON mesh.presence (mesh_id) WHERE ended_at IS NULL`);
    await q.query(`CREATE INDEX presence_node_live_idx ON mesh.presence (node_id) WHERE ended_at IS NULL`);
    await q.query(`
      CREATE INDEX presence_grace_idx ON mesh.presence (disconnected_at)
        WHERE ended_at IS NULL AND disconnected_at IS NOT NULL`);
    await q.query(`
      CREATE INDEX presence_working_idx ON mesh.presence (status_updated_at)
        WHERE ended_at IS NULL AND status = 'working'`);
    await q.query(`CREATE INDEX presence_ended_idx ON mesh.presence (ended_at) WHERE ended_at IS NOT NULL`);

    await q.query(`
      CREATE TABLE mesh.message (
        id varchar(32) NOT NULL,
        mesh_id varchar(32) NOT NULL,
        seq bigint NOT NULL DEFAULT nextval('mesh.message_seq'),
        sender_member_id varchar(32) NOT NULL,
        sender_pubkey char(64) NOT NULL,
        sender_display_name varchar(64) NOT NULL,
        sender_session_id uuid NOT NULL,
        client_id uuid NOT NULL,
        target varchar(70) NOT NULL,
        target_kind text NOT NULL,
        to_session_id uuid,
        priority text NOT NULL,
        key_epoch integer,
        nonce bytea,
        ciphertext bytea,
        size_bytes integer NOT NULL,
        content_hash char(64) NOT NULL,
        recipient_count integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        purged_at timestamptz,
        audited_at timestamptz,
        CONSTRAINT message_pkey PRIMARY KEY (id),
        CONSTRAINT message_id_ck CHECK (id ~ '^[0-9A-Za-z]{32}$'),
        CONSTRAINT message_seq_uq UNIQUE (seq),
        CONSTRAINT message_idempotency_uq UNIQUE (sender_member_id, client_id),
        CONSTRAINT message_sender_pubkey_ck CHECK (sender_pubkey ~ '^[0-9a-f]{64}$'),
        CONSTRAINT message_content_hash_ck CHECK (content_hash ~ '^[0-9a-f]{64}$'),
        CONSTRAINT message_target_kind_ck CHECK (target_kind IN ('direct', 'broadcast', 'group')),
        CONSTRAINT message_key_epoch_ck CHECK ((target_kind = 'direct') = (key_epoch IS NULL)),
        CONSTRAINT message_priority_ck CHECK (priority IN ('now', 'next', 'low')),
        CONSTRAINT message_nonce_ck CHECK (octet_length(nonce) = 24),
        CONSTRAINT message_size_bytes_ck CHECK (size_bytes >= 0),
        CONSTRAINT message_recipient_count_ck CHECK (recipient_count >= 0),
        CONSTRAINT message_mesh_fk FOREIGN KEY (mesh_id)
          REFERENCES mesh.mesh (id) ON DELETE CASCADE ON UPDATE CASCADE,
        CONSTRAINT message_sender_member_fk FOREIGN KEY (sender_member_id)
          REFERENCES mesh.member (id) ON DELETE CASCADE ON UPDATE CASCADE
      )`);
    await q.query(`CREATE INDEX message_expiry_idx ON mesh.message (expires_at)`);
    await q.query(`CREATE INDEX message_unaudited_idx ON mesh.message (seq) WHERE audited_at IS NULL`);

    await q.query(`
      CREATE TABLE mesh.delivery (
        message_id varchar(32) NOT NULL,
        recipient_member_id varchar(32) NOT NULL,
        mesh_id varchar(32) NOT NULL,
        seq bigint NOT NULL,
        priority text NOT NULL,
        to_session_id uuid,
        sender_session_id uuid NOT NULL,
        claimed_by_presence_id varchar(32),
        claim_expires_at timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        acked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        CONSTRAINT delivery_pkey PRIMARY KEY (message_id, recipient_member_id),
        CONSTRAINT delivery_priority_ck CHECK (priority IN ('now', 'next', 'low')),
        CONSTRAINT delivery_message_fk FOREIGN KEY (message_id)
          REFERENCES mesh.message (id) ON DELETE CASCADE ON UPDATE CASCADE,
        CONSTRAINT delivery_recipient_member_fk FOREIGN KEY (recipient_member_id)
          REFERENCES mesh.member (id) ON DELETE CASCADE ON UPDATE CASCADE
      )`);
    await q.query(`CREATE INDEX delivery_claim_idx ON mesh.delivery (recipient_member_id, seq) WHERE acked_at IS NULL`);
    await q.query(`
      CREATE INDEX delivery_claimer_idx ON mesh.delivery (claimed_by_presence_id)
        WHERE acked_at IS NULL AND claimed_by_presence_id IS NOT NULL`);
    await q.query(`CREATE INDEX delivery_expiry_idx ON mesh.delivery (expires_at) WHERE acked_at IS NULL`);
    await q.query(`CREATE INDEX delivery_acked_idx ON mesh.delivery (acked_at) WHERE acked_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE mesh.delivery`);
    await q.query(`DROP TABLE mesh.message`);
    await q.query(`DROP TABLE mesh.presence`);
    await q.query(`DROP SEQUENCE mesh.message_seq`);
  }
}
