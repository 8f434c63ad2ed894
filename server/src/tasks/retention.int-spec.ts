import { randomBytes, randomUUID } from 'node:crypto';
import { insertAccount, insertMember, insertMesh, testHex, testId } from '../../../database/src/testing/fixtures';
import { cryptoReady } from '@claudemesh/shared/crypto';
import { MetricsService } from '../metrics/metrics.service';
import { createTestApp, type TestApp } from '../testing/test-app';
import { LeaderTasksService } from './leader-tasks.service';
import { NodeService } from './node.service';

/**
 * data-model.md §6 retention, one leader task at a time (operations.md §6). Rows are written with SQL at chosen ages,
 * each task runs one tick, and exactly the rows past their retention are gone. The periodic ticks are pushed out to an
 * hour so that only the test's own ticks run.
 */
const QUIET = ['delivery-sweep', 'replay-prune', 'presence-prune', 'session-prune', 'mail-prune', 'node-reaper', 'audit-messages']
  .map((t) => `${t}=3600000`)
  .join(',');

describe('retention sweeps (data-model.md §6)', () => {
  let t: TestApp;
  let tasks: LeaderTasksService;
  let accountId: string;
  let meshId: string;
  let members: string[];
  const q = <T = any>(sql: string, params: unknown[] = []): Promise<T[]> => t.dataSource.query(sql, params);
  const ids = async (sql: string, params: unknown[] = []): Promise<string[]> => (await q<{ id: string }>(sql, params)).map((r) => r.id).sort();

  beforeAll(async () => {
    await cryptoReady();
    t = await createTestApp({ TASK_PERIODS: QUIET });
    tasks = t.app.get(LeaderTasksService);
    accountId = await insertAccount(t.dataSource);
    meshId = await insertMesh(t.dataSource, accountId);
    members = [await insertMember(t.dataSource, meshId), await insertMember(t.dataSource, meshId), await insertMember(t.dataSource, meshId)];
    // Let each task's boot tick (run at once when a node takes the lead) finish before rows are written.
    const names = QUIET.split(',').map((x) => x.split('=')[0]);
    for (let i = 0; i < 200 && !names.every((n) => tasks.isLeading(n)); i++) await new Promise((r) => setTimeout(r, 25));
    for (const n of names) await tasks.runOnce(n);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('registers every retention task as a leader task under its contract name', async () => {
    const leader = await t.app.get(MetricsService).leader.get();
    const names = leader.values.map((v) => v.labels.task);
    expect(names).toEqual(expect.arrayContaining(['delivery-sweep', 'replay-prune', 'presence-prune', 'session-prune', 'mail-prune', 'node-reaper']));
  });

  describe('delivery-sweep', () => {
    type Rcpt = { to: number; acked: boolean; expiresIn: string };
    /** A message and its delivery rows in one transaction, as the send path commits them (data-model.md §3). */
    const send = async (o: { expiresIn: string; audited: boolean }, rcpts: Rcpt[]): Promise<string> => {
      const id = testId();
      await t.dataSource.transaction(async (m) => {
        await m.query(
          `INSERT INTO mesh.message (id, mesh_id, sender_member_id, sender_pubkey, sender_display_name, sender_session_id, client_id,
             target, target_kind, priority, nonce, ciphertext, size_bytes, content_hash, recipient_count, expires_at, audited_at)
           VALUES ($1, $2, $3, $4, 'Peer', $5, $6, $7, 'direct', 'next', $8, $9, 40, $10, $11, now() + $12::interval, $13)`,
          [id, meshId, members[0], testHex(32), randomUUID(), randomUUID(), testHex(32), randomBytes(24), randomBytes(40), testHex(32), rcpts.length, o.expiresIn, o.audited ? new Date() : null],
        );
        for (const r of rcpts) {
          await m.query(
            `INSERT INTO mesh.delivery (message_id, recipient_member_id, mesh_id, seq, priority, sender_session_id, acked_at, expires_at)
             SELECT id, $2, mesh_id, seq, priority, sender_session_id, $3, now() + $4::interval FROM mesh.message WHERE id = $1`,
            [id, members[r.to], r.acked ? new Date() : null, r.expiresIn],
          );
        }
      });
      return id;
    };
    const payload = async (id: string) =>
      (await q<{ has_nonce: boolean; has_ct: boolean; purged: boolean }>(
        `SELECT nonce IS NOT NULL AS has_nonce, ciphertext IS NOT NULL AS has_ct, purged_at IS NOT NULL AS purged FROM mesh.message WHERE id = $1`,
        [id],
      ))[0];

    it('removes acked and expired deliveries, purges payloads with no delivery left, deletes expired audited messages', async () => {
      // pending: one recipient acked, one still due → the acked row goes, the payload stays
      const pending = await send({ expiresIn: '1 hour', audited: true }, [
        { to: 1, acked: true, expiresIn: '1 hour' },
        { to: 2, acked: false, expiresIn: '1 hour' },
      ]);
      // done: every recipient acked → no delivery left, payload purged, the row stays until it expires
      const done = await send({ expiresIn: '1 hour', audited: true }, [
        { to: 1, acked: true, expiresIn: '1 hour' },
        { to: 2, acked: true, expiresIn: '1 hour' },
      ]);
      // expired, never delivered, audited → delivery, payload and row all go in one sweep (security.md §3 item 2)
      const expired = await send({ expiresIn: '-1 second', audited: true }, [{ to: 1, acked: false, expiresIn: '-1 second' }]);
      // expired but not yet audited → payload purged, the row waits for its audit entry
      const unaudited = await send({ expiresIn: '-1 second', audited: false }, [{ to: 2, acked: false, expiresIn: '-1 second' }]);

      await tasks.runOnce('delivery-sweep');

      const left = await q<{ message_id: string; recipient_member_id: string }>(
        `SELECT message_id, recipient_member_id FROM mesh.delivery WHERE message_id = ANY($1::varchar[])`,
        [[pending, done, expired, unaudited]],
      );
      expect(left).toEqual([{ message_id: pending, recipient_member_id: members[2] }]);
      expect(await payload(pending)).toEqual({ has_nonce: true, has_ct: true, purged: false });
      expect(await payload(done)).toEqual({ has_nonce: false, has_ct: false, purged: true });
      expect(await payload(expired)).toBeUndefined();
      expect(await payload(unaudited)).toEqual({ has_nonce: false, has_ct: false, purged: true });
      // Once audited, the expired row goes at the next sweep.
      await q(`UPDATE mesh.message SET audited_at = now() WHERE id = $1`, [unaudited]);
      await tasks.runOnce('delivery-sweep');
      expect(await payload(unaudited)).toBeUndefined();
      expect(await payload(done)).toEqual({ has_nonce: false, has_ct: false, purged: true });
    });

    it('replay-prune deletes expired handshake_replay rows only', async () => {
      const old = testHex(32);
      const live = testHex(32);
      await q(`INSERT INTO mesh.handshake_replay (key, expires_at) VALUES ($1, now() - interval '1 second'), ($2, now() + interval '2 minutes')`, [old, live]);
      await tasks.runOnce('replay-prune');
      const keys = (await q<{ key: string }>(`SELECT key FROM mesh.handshake_replay WHERE key = ANY($1::text[])`, [[old, live]])).map((r) => r.key);
      expect(keys).toEqual([live]);
    });
  });

  it('presence-prune deletes presences ended more than 7 days ago; live and recently ended ones stay', async () => {
    const presence = async (endedAgo: string | null): Promise<string> => {
      const id = testId();
      await q(
        `INSERT INTO mesh.presence (id, mesh_id, member_id, session_id, node_id, socket_id, display_name, connected_at, ended_at, end_reason)
         VALUES ($1, $2, $3, $4, $5, 's', 'Peer', now() - interval '30 days', now() - $6::interval, $7)`,
        [id, meshId, members[1], randomUUID(), randomUUID(), endedAgo ?? '0 seconds', endedAgo ? 'closed' : null],
      );
      if (!endedAgo) await q(`UPDATE mesh.presence SET ended_at = NULL WHERE id = $1`, [id]);
      return id;
    };
    const old = await presence('7 days 1 minute');
    const recent = await presence('6 days 23 hours');
    const live = await presence(null);
    await tasks.runOnce('presence-prune');
    expect(await ids(`SELECT id FROM mesh.presence WHERE id = ANY($1::varchar[])`, [[old, recent, live]])).toEqual([recent, live].sort());
  });

  it('session-prune deletes sessions expired, revoked or idle-expired more than 1 day ago', async () => {
    const idleDays = t.config.sessionIdleDays;
    const session = async (o: { expiresIn?: string; revokedAgo?: string; lastUsedAgo?: string }): Promise<string> => {
      const id = testId();
      await q(
        `INSERT INTO mesh.auth_session (id, account_id, token_hash, csrf_token, last_used_at, expires_at, revoked_at)
         VALUES ($1, $2, $3, 'csrf', now() - $4::interval, now() + $5::interval, now() - $6::interval)`,
        [id, accountId, testHex(32), o.lastUsedAgo ?? '1 minute', o.expiresIn ?? '20 days', o.revokedAgo ?? '0 seconds'],
      );
      if (!o.revokedAgo) await q(`UPDATE mesh.auth_session SET revoked_at = NULL WHERE id = $1`, [id]);
      return id;
    };
    const gone = [
      await session({ expiresIn: '-1 day -1 minute', lastUsedAgo: '31 days' }),
      await session({ revokedAgo: '1 day 1 minute' }),
      await session({ lastUsedAgo: `${idleDays + 1} days 1 minute` }),
    ];
    const kept = [
      await session({}),
      await session({ expiresIn: '-23 hours' }),
      await session({ revokedAgo: '23 hours' }),
      await session({ lastUsedAgo: `${idleDays} days 23 hours` }),
    ];
    await tasks.runOnce('session-prune');
    expect(await ids(`SELECT id FROM mesh.auth_session WHERE id = ANY($1::varchar[])`, [[...gone, ...kept]])).toEqual([...kept].sort());
  });

  it('mail-prune deletes sent, failed, cancelled and stored mail older than 90 days; pending and sending stay', async () => {
    const mail = async (status: string, age: string): Promise<string> => {
      const id = testId();
      await q(
        `INSERT INTO mesh.mail_outbox (id, mesh_id, to_address, from_address, subject, text_body, html_body, transport, status, created_at)
         VALUES ($1, $2, 'to@example.com', 'from@example.com', 's', 't', 'h', 'outbox', $3, now() - $4::interval)`,
        [id, meshId, status, age],
      );
      return id;
    };
    const finished = ['sent', 'failed', 'cancelled', 'stored'];
    const gone = await Promise.all(finished.map((s) => mail(s, '90 days 1 minute')));
    const kept = [...(await Promise.all(finished.map((s) => mail(s, '89 days 23 hours')))), await mail('pending', '200 days'), await mail('sending', '200 days')];
    await tasks.runOnce('mail-prune');
    expect(await ids(`SELECT id FROM mesh.mail_outbox WHERE id = ANY($1::varchar[])`, [[...gone, ...kept]])).toEqual([...kept].sort());
  });

  it('node-reaper deletes server_node rows stopped or silent for more than 7 days, never its own', async () => {
    const node = async (o: { stoppedAgo?: string; heartbeatAgo: string }): Promise<string> => {
      const id = randomUUID();
      await q(
        `INSERT INTO mesh.server_node (id, hostname, version, started_at, last_heartbeat_at, stopped_at)
         VALUES ($1, 'h', '1.0.0', now() - interval '30 days', now() - $2::interval, now() - $3::interval)`,
        [id, o.heartbeatAgo, o.stoppedAgo ?? '0 seconds'],
      );
      if (!o.stoppedAgo) await q(`UPDATE mesh.server_node SET stopped_at = NULL WHERE id = $1`, [id]);
      return id;
    };
    const gone = [await node({ stoppedAgo: '7 days 1 minute', heartbeatAgo: '7 days 1 minute' }), await node({ heartbeatAgo: '7 days 1 minute' })];
    const kept = [await node({ stoppedAgo: '6 days 23 hours', heartbeatAgo: '6 days 23 hours' }), await node({ heartbeatAgo: '6 days 23 hours' })];
    const self = t.app.get(NodeService).nodeId;
    await q(`UPDATE mesh.server_node SET last_heartbeat_at = now() - interval '8 days' WHERE id = $1`, [self]);
    await tasks.runOnce('node-reaper');
    const left = (await q<{ id: string }>(`SELECT id FROM mesh.server_node WHERE id = ANY($1::uuid[])`, [[...gone, ...kept, self]])).map((r) => r.id).sort();
    expect(left).toEqual([...kept, self].sort());
  });
});
