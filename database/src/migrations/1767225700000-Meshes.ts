import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Meshes, their root keys, invites, members and pending (e-mailed) invites (data-model.md §2). */
export class Meshes1767225700000 implements MigrationInterface {
  name = 'Meshes1767225700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mesh.mesh (
        id varchar(32) NOT NULL,
        name varchar(80) NOT NULL,
        slug varchar(40) NOT NULL,
        owner_account_id varchar(32) NOT NULL,
        owner_pubkey char(64) NOT NULL,
        owner_secret_enc text NOT NULL,
        root_key_epoch integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        archived_at timestamptz,
        CONSTRAINT mesh_pkey PRIMARY KEY (id),
        CONSTRAINT mesh_id_ck CHECK (id ~ '^[0-9A-Za-z]{32}$'),
        CONSTRAINT mesh_owner_pubkey_ck CHECK (owner_pubkey ~ '^[0-9a-f]{64}$'),
        CONSTRAINT mesh_root_key_epoch_ck CHECK (root_key_epoch >= 1),
        CONSTRAINT mesh_owner_account_fk FOREIGN KEY (owner_account_id)
          REFERENCES mesh.account (id) ON DELETE RESTRICT ON UPDATE CASCADE
      )`);
    // The slug is derived from the name and deliberately NOT unique.
    await q.query(`CREATE INDEX mesh_slug_idx ON mesh.mesh (slug)`);
    await q.query(`CREATE INDEX mesh_owner_account_idx ON mesh.mesh (owner_account_id)`);

    await q.query(`
      CREATE TABLE mesh.mesh_root_key (
        mesh_id varchar(32) NOT NULL,
        epoch integer NOT NULL,
        key_enc text NOT NULL,
        reason text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT mesh_root_key_pkey PRIMARY KEY (mesh_id, epoch),
        CONSTRAINT mesh_root_key_epoch_ck CHECK (epoch >= 1),
        CONSTRAINT mesh_root_key_reason_ck CHECK (reason IN ('created', 'member_removed', 'member_left', 'manual')),
        CONSTRAINT mesh_root_key_mesh_fk FOREIGN KEY (mesh_id)
          REFERENCES mesh.mesh (id) ON DELETE CASCADE ON UPDATE CASCADE
      )`);

    await q.query(`
      CREATE TABLE mesh.invite (
        id varchar(32) NOT NULL,
        mesh_id varchar(32) NOT NULL,
        version smallint NOT NULL,
        code varchar(64),
        role text NOT NULL,
        max_uses integer NOT NULL,
        used_count integer NOT NULL DEFAULT 0,
        expires_at timestamptz NOT NULL,
        canonical_v2 text,
        signature_v2 char(128),
        token_hash char(64),
        token_enc text,
        created_by_account_id varchar(32),
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        last_claimed_pubkey char(64),
        CONSTRAINT invite_pkey PRIMARY KEY (id),
        CONSTRAINT invite_id_ck CHECK (id ~ '^[0-9A-Za-z]{32}$'),
        CONSTRAINT invite_version_ck CHECK (version IN (1, 2)),
        CONSTRAINT invite_role_ck CHECK (role IN ('admin', 'member')),
        CONSTRAINT invite_max_uses_ck CHECK (max_uses BETWEEN 1 AND 1000),
        CONSTRAINT invite_used_count_ck CHECK (used_count BETWEEN 0 AND max_uses),
        CONSTRAINT invite_expires_at_ck CHECK (expires_at = date_trunc('second', expires_at)),
        CONSTRAINT invite_signature_v2_ck CHECK (signature_v2 ~ '^[0-9a-f]{128}$'),
        CONSTRAINT invite_token_hash_ck CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        CONSTRAINT invite_last_claimed_pubkey_ck CHECK (last_claimed_pubkey ~ '^[0-9a-f]{64}$'),
        -- No unsigned v2 row and no half v1 row can exist.
        CONSTRAINT invite_version_shape CHECK (
          (version = 2 AND canonical_v2 IS NOT NULL AND signature_v2 IS NOT NULL
            AND token_hash IS NULL AND token_enc IS NULL)
          OR
          (version = 1 AND token_hash IS NOT NULL AND token_enc IS NOT NULL
            AND canonical_v2 IS NULL AND signature_v2 IS NULL)
        ),
        CONSTRAINT invite_mesh_fk FOREIGN KEY (mesh_id)
          REFERENCES mesh.mesh (id) ON DELETE CASCADE ON UPDATE CASCADE,
        CONSTRAINT invite_created_by_account_fk FOREIGN KEY (created_by_account_id)
          REFERENCES mesh.account (id) ON DELETE SET NULL ON UPDATE CASCADE
      )`);
    await q.query(`CREATE UNIQUE INDEX invite_code_uq ON mesh.invite (code) WHERE code IS NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX invite_token_uq ON mesh.invite (token_hash) WHERE token_hash IS NOT NULL`);
    await q.query(`CREATE INDEX invite_mesh_idx ON mesh.invite (mesh_id, created_at DESC)`);

    await q.query(`
      CREATE TABLE mesh.member (
        id varchar(32) NOT NULL,
        mesh_id varchar(32) NOT NULL,
        peer_pubkey char(64) NOT NULL,
        display_name varchar(64) NOT NULL,
        role text NOT NULL,
        groups jsonb NOT NULL DEFAULT '[]'::jsonb,
        account_id varchar(32),
        invite_id varchar(32),
        joined_key_epoch integer NOT NULL,
        joined_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz,
        revoked_at timestamptz,
        revoked_reason text,
        revoked_by_account_id varchar(32),
        CONSTRAINT member_pkey PRIMARY KEY (id),
        CONSTRAINT member_id_ck CHECK (id ~ '^[0-9A-Za-z]{32}$'),
        CONSTRAINT member_peer_pubkey_ck CHECK (peer_pubkey ~ '^[0-9a-f]{64}$'),
        CONSTRAINT member_role_ck CHECK (role IN ('admin', 'member')),
        CONSTRAINT member_groups_ck CHECK (jsonb_typeof(groups) = 'array'),
        CONSTRAINT member_revoked_reason_ck CHECK (revoked_reason IN ('removed', 'left')),
        -- One row per identity per mesh, reused when a removed member rejoins.
        CONSTRAINT member_mesh_pubkey_uq UNIQUE (mesh_id, peer_pubkey),
        CONSTRAINT member_mesh_fk FOREIGN KEY (mesh_id)
          REFERENCES mesh.mesh (id) ON DELETE CASCADE ON UPDATE CASCADE,
        CONSTRAINT member_account_fk FOREIGN KEY (account_id)
          REFERENCES mesh.account (id) ON DELETE SET NULL ON UPDATE CASCADE,
        CONSTRAINT member_invite_fk FOREIGN KEY (invite_id)
          REFERENCES mesh.invite (id) ON DELETE SET NULL ON UPDATE CASCADE,
        CONSTRAINT member_revoked_by_account_fk FOREIGN KEY (revoked_by_account_id)
          REFERENCES mesh.account (id) ON DELETE SET NULL ON UPDATE CASCADE
      )`);
    await q.query(`CREATE INDEX member_groups_gin ON mesh.member USING gin (groups)`);
    await q.query(`CREATE INDEX member_account_idx ON mesh.member (account_id)`);
    await q.query(`CREATE INDEX member_active_idx ON mesh.member (mesh_id) WHERE revoked_at IS NULL`);

    await q.query(`
      CREATE TABLE mesh.pending_invite (
        id varchar(32) NOT NULL,
        mesh_id varchar(32) NOT NULL,
        invite_id varchar(32) NOT NULL,
        email varchar(254) NOT NULL,
        created_by_account_id varchar(32),
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_count integer NOT NULL DEFAULT 0,
        last_sent_at timestamptz,
        accepted_at timestamptz,
        revoked_at timestamptz,
        accepted_member_id varchar(32),
        CONSTRAINT pending_invite_pkey PRIMARY KEY (id),
        CONSTRAINT pending_invite_id_ck CHECK (id ~ '^[0-9A-Za-z]{32}$'),
        CONSTRAINT pending_invite_email_lower_ck CHECK (email = lower(email)),
        CONSTRAINT pending_invite_mesh_fk FOREIGN KEY (mesh_id)
          REFERENCES mesh.mesh (id) ON DELETE CASCADE ON UPDATE CASCADE,
        CONSTRAINT pending_invite_invite_fk FOREIGN KEY (invite_id)
          REFERENCES mesh.invite (id) ON DELETE CASCADE ON UPDATE CASCADE,
        CONSTRAINT pending_invite_created_by_account_fk FOREIGN KEY (created_by_account_id)
          REFERENCES mesh.account (id) ON DELETE SET NULL ON UPDATE CASCADE,
        CONSTRAINT pending_invite_accepted_member_fk FOREIGN KEY (accepted_member_id)
          REFERENCES mesh.member (id) ON DELETE SET NULL ON UPDATE CASCADE
      )`);
    await q.query(`CREATE INDEX pending_invite_mesh_idx ON mesh.pending_invite (mesh_id)`);
    await q.query(`CREATE INDEX pending_invite_invite_idx ON mesh.pending_invite (invite_id)`);
    await q.query(`CREATE INDEX pending_invite_email_idx ON mesh.pending_invite (mesh_id, email)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE mesh.pending_invite`);
    await q.query(`DROP TABLE mesh.member`);
    await q.query(`DROP TABLE mesh.invite`);
    await q.query(`DROP TABLE mesh.mesh_root_key`);
    await q.query(`DROP TABLE mesh.mesh`);
  }
}
