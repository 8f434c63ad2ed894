import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Accounts, sessions, tokens, the instance row, server nodes and the handshake replay cache (data-model.md §2). */
export class InitSchema1767225600000 implements MigrationInterface {
  name = 'InitSchema1767225600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mesh.instance (
        id smallint NOT NULL,
        key_check text NOT NULL,
        setup_token_hash char(64),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT instance_pkey PRIMARY KEY (id),
        CONSTRAINT instance_singleton_ck CHECK (id = 1),
        CONSTRAINT instance_setup_token_hash_ck CHECK (setup_token_hash ~ '^[0-9a-f]{64}$')
      )`);

    await q.query(`
      CREATE TABLE mesh.account (
        id varchar(32) NOT NULL,
        email varchar(254) NOT NULL,
        password_hash text NOT NULL,
        display_name varchar(64) NOT NULL,
        is_admin boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        password_changed_at timestamptz NOT NULL DEFAULT now(),
        last_login_at timestamptz,
        disabled_at timestamptz,
        CONSTRAINT account_pkey PRIMARY KEY (id),
        CONSTRAINT account_id_ck CHECK (id ~ '^[0-9A-Za-z]{32}$'),
        CONSTRAINT account_email_lower_ck CHECK (email = lower(email))
      )`);
    await q.query(`CREATE UNIQUE INDEX account_email_uq ON mesh.account (email)`);

    await q.query(`
      CREATE TABLE mesh.auth_session (
        id varchar(32) NOT NULL,
        account_id varchar(32) NOT NULL,
        token_hash char(64) NOT NULL,
        csrf_token varchar(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        ip inet,
        user_agent varchar(256),
        CONSTRAINT auth_session_pkey PRIMARY KEY (id),
        CONSTRAINT auth_session_id_ck CHECK (id ~ '^[0-9A-Za-z]{32}$'),
        CONSTRAINT auth_session_token_hash_ck CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        CONSTRAINT auth_session_token_uq UNIQUE (token_hash),
        CONSTRAINT auth_session_account_fk FOREIGN KEY (account_id)
          REFERENCES mesh.account (id) ON DELETE CASCADE ON UPDATE CASCADE
      )`);
    await q.query(`CREATE INDEX auth_session_account_idx ON mesh.auth_session (account_id)`);
    await q.query(`CREATE INDEX auth_session_expires_idx ON mesh.auth_session (expires_at)`);

    await q.query(`
      CREATE TABLE mesh.personal_access_token (
        id varchar(32) NOT NULL,
        account_id varchar(32) NOT NULL,
        name varchar(64) NOT NULL,
        token_hash char(64) NOT NULL,
        prefix varchar(12) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        expires_at timestamptz,
        revoked_at timestamptz,
        CONSTRAINT personal_access_token_pkey PRIMARY KEY (id),
        CONSTRAINT personal_access_token_id_ck CHECK (id ~ '^[0-9A-Za-z]{32}$'),
        CONSTRAINT personal_access_token_token_hash_ck CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        CONSTRAINT pat_token_uq UNIQUE (token_hash),
        CONSTRAINT personal_access_token_account_fk FOREIGN KEY (account_id)
          REFERENCES mesh.account (id) ON DELETE CASCADE ON UPDATE CASCADE
      )`);
    await q.query(`CREATE INDEX personal_access_token_account_idx ON mesh.personal_access_token (account_id)`);

    await q.query(`
      CREATE TABLE mesh.server_node (
        id uuid NOT NULL,
        hostname varchar(255) NOT NULL,
        version varchar(40) NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        last_heartbeat_at timestamptz NOT NULL DEFAULT now(),
        stopped_at timestamptz,
        CONSTRAINT server_node_pkey PRIMARY KEY (id)
      )`);

    await q.query(`
      CREATE TABLE mesh.handshake_replay (
        key char(64) NOT NULL,
        expires_at timestamptz NOT NULL,
        CONSTRAINT handshake_replay_pkey PRIMARY KEY (key),
        CONSTRAINT handshake_replay_key_ck CHECK (key ~ '^[0-9a-f]{64}$')
      )`);
    await q.query(`CREATE INDEX handshake_replay_expires_idx ON mesh.handshake_replay (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE mesh.handshake_replay`);
    await q.query(`DROP TABLE mesh.server_node`);
    await q.query(`DROP TABLE mesh.personal_access_token`);
    await q.query(`DROP TABLE mesh.auth_session`);
    await q.query(`DROP TABLE mesh.account`);
    await q.query(`DROP TABLE mesh.instance`);
  }
}
