import { randomBytes } from 'node:crypto';
import { Client as PgClient } from 'pg';
import {
  AtRestContext,
  decryptAtRest,
  deriveAtRestKey,
  fromUtf8,
  generateUuid,
  KEY_CHECK_PLAINTEXT,
  masterKeyFromHex,
  openMulticast,
  openSealedForMember,
  openSealedRootKey,
  sealDirect,
  sealMulticast,
  signingKeyPairFromSeed,
  toBase64Url,
  toHex,
} from '@claudemesh/shared/crypto';
import { claimBody, joinBody, newPeer } from '../../../server/src/invite/invite-test-kit';
import {
  admitMembers,
  BROKER_TEST_ENV,
  connectError,
  connectPeer,
  createMesh,
  cryptoReady,
  helloAuth,
  http,
  signupOwner,
  waitFor,
  type Member,
  type Owner,
} from '../broker/harness';
import { setupTokenOf, startServerProcess, type ServerProcess } from '../support/server-process';

/**
 * security.md §3 and §2 as seen from outside: the built server process (its real stdout/stderr), real sockets,
 * and its database read directly, as a thief of a dump would.
 */
const PASSWORD = 'correct horse battery'; // what harness.signupOwner signs up with

const multicast = (from: Member, epoch: number, rootKey: Uint8Array, text: string) => {
  const env = sealMulticast({ v: 1, text }, { meshId: from.meshId, to: '*', keyEpoch: epoch }, rootKey, from.keys.secretKey);
  return { clientId: generateUuid(), to: '*', keyEpoch: epoch, nonce: env.nonce, ciphertext: env.ciphertext };
};

describe('security: logs, removed members, data at rest (C-SEC-3, C-SEC-9, C-SEC-10)', () => {
  let server: ServerProcess;
  let setupToken: string;
  let owner: Owner;
  let meshId: string;
  /** Every secret string the scenario handled, by name. */
  const secrets: [string, string][] = [];
  let v1Token: string;
  let rootKeyAtEnd: { epoch: number; key: Uint8Array } | null = null;

  beforeAll(async () => {
    await cryptoReady();
    // debug is the most verbose level: a secret must not appear at any level.
    server = await startServerProcess({ ...BROKER_TEST_ENV, LOG_LEVEL: 'debug', ALLOW_V1_INVITES: 'true' });
    setupToken = setupTokenOf(server);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('C-SEC-3: after sign-up, PAT, mesh, v1 and v2 invites, 100 messages and a hook call, no secret string is in the logs', async () => {
    // sign-up (password, session cookie, XSRF token, setup token) and a PAT
    owner = await signupOwner({ baseUrl: server.baseUrl, setupToken });
    const sessionCookie = /cm_session=([^;]+)/.exec(owner.cookie)![1];
    secrets.push(['password', PASSWORD], ['session cookie', sessionCookie], ['xsrf token', owner.xsrf], ['PAT', owner.token]);
    const login = await http(server.baseUrl, 'POST', '/api/auth/login', { body: { email: 'owner@example.com', password: PASSWORD } });
    expect(login.status).toBe(200);
    meshId = await createMesh(server, owner, 'secrets');

    // v2: mint, landing data, claim (proof, sealed root key)
    const v2 = await http(server.baseUrl, 'POST', `/api/meshes/${meshId}/invites`, { token: owner.token, body: { maxUses: 5 } });
    expect(v2.status).toBe(201);
    secrets.push(['v2 code', v2.body.code]);
    expect((await http(server.baseUrl, 'GET', `/api/public/invites/${v2.body.code}`)).status).toBe(200);
    expect((await fetch(`${server.baseUrl}/i/${v2.body.code}`, { redirect: 'manual' })).status).toBe(302);
    const claimer = newPeer();
    const claim = claimBody(v2.body.code, claimer, 'claimer');
    const claimed = await http(server.baseUrl, 'POST', `/api/public/invites/${v2.body.code}/claim`, { body: claim });
    expect(claimed.status).toBe(200);
    const rootKey = openSealedRootKey(claimed.body.sealed_root_key, claimer.claimKey.publicKey, claimer.claimKey.secretKey)!;
    expect(rootKey).toHaveLength(32);
    secrets.push(['claim proof', claim.proof], ['sealed root key', claimed.body.sealed_root_key], ['root key (base64url)', toBase64Url(rootKey)]);

    // v1: mint (token, code), resolve the code, landing by token, join (proof)
    const v1 = await http(server.baseUrl, 'POST', `/api/meshes/${meshId}/invites`, { token: owner.token, body: { version: 1, maxUses: 5 } });
    expect(v1.status).toBe(201);
    v1Token = v1.body.token;
    secrets.push(['v1 code', v1.body.code], ['v1 token', v1Token]);
    expect((await http(server.baseUrl, 'GET', `/api/public/invite-code/${v1.body.code}`)).body.token).toBe(v1Token);
    expect((await http(server.baseUrl, 'GET', `/api/public/invites/${v1Token}`)).status).toBe(200);
    const joiner = newPeer();
    const join = joinBody(v1Token, joiner, 'joiner');
    expect((await http(server.baseUrl, 'POST', '/api/public/join', { body: join })).status).toBe(200);
    secrets.push(['join proof', join.proof]);

    // 100 messages (50 direct, 50 broadcast) between two connected peers, each received and acked
    const [alice, bob] = await admitMembers(server, owner, meshId, 2, 'msg');
    const a = await connectPeer(server.baseUrl, alice);
    const b = await connectPeer(server.baseUrl, bob);
    secrets.push(['hello signature', String((a.socket.auth as Record<string, unknown>)['signature'])]);
    const sealedForA = a.welcome.rootKey;
    const key = openSealedForMember(sealedForA.sealed, alice.keys.secretKey)!;
    expect(toBase64Url(key)).toBe(toBase64Url(rootKey));
    for (let i = 0; i < 100; i++) {
      const payload =
        i % 2 === 0
          ? { clientId: generateUuid(), to: bob.keys.publicKey, ...sealDirect({ v: 1, text: `direct ${i}` }, bob.keys.publicKey, alice.keys.secretKey) }
          : multicast(alice, sealedForA.epoch, key, `broadcast ${i}`);
      const ack = await a.call('send', payload);
      expect(ack).toMatchObject({ ok: true });
      secrets.push([`nonce ${i}`, payload.nonce], [`ciphertext ${i}`, payload.ciphertext]);
    }
    await waitFor(() => b.of('message').length >= 100, 20_000);
    const received = b.of<{ id: string }>('message');
    expect(await b.call('ack', { messageIds: received.map((x) => x.id) })).toMatchObject({ ok: true });

    // a hook call
    const hookToken = b.welcome.hookToken!;
    expect(hookToken).toMatch(/^cmh1\./);
    secrets.push(['hook token', hookToken]);
    const hook = await http(server.baseUrl, 'POST', '/hook/set-status', { body: { status: 'working' }, headers: { authorization: `Bearer ${hookToken}` } });
    expect(hook.status).toBe(200);
    a.close();
    b.close();
    await new Promise((r) => setTimeout(r, 300)); // let the last request lines reach the pipe

    const logs = `${server.stdout()}\n${server.stderr()}`;
    expect(logs.length).toBeGreaterThan(1000); // the scenario was logged (HTTP lines at least)
    expect(logs).toContain('/api/public/join'); // the routes were logged, only their secrets were not
    const leaked = secrets.filter(([, value]) => value.length >= 8 && logs.includes(value)).map(([name]) => name);
    expect(leaked).toEqual([]);
    // the one token ever printed is the setup token, in its one first-time setup line
    const withSetup = logs.split('\n').filter((l) => l.includes(setupToken));
    expect(withSetup).toEqual([`First-time setup: ${server.baseUrl}/signup?setup=${setupToken}`]);
    // and the master key is never printed
    expect(logs).not.toContain(server.serverSecret);
  });

  it('C-SEC-9: a removed member cannot connect, cannot claim an invite older than the removal, and cannot read later broadcasts', async () => {
    const olderV2 = await http(server.baseUrl, 'POST', `/api/meshes/${meshId}/invites`, { token: owner.token, body: { maxUses: 10 } });
    const olderV1 = await http(server.baseUrl, 'POST', `/api/meshes/${meshId}/invites`, { token: owner.token, body: { version: 1, maxUses: 10 } });
    expect([olderV2.status, olderV1.status]).toEqual([201, 201]);
    const [victim, sender, reader] = await admitMembers(server, owner, meshId, 3, 'sec9');
    const v = await connectPeer(server.baseUrl, victim);
    const heldEpoch = v.welcome.rootKey.epoch;
    const heldKey = openSealedForMember(v.welcome.rootKey.sealed, victim.keys.secretKey)!;
    expect(heldKey).toHaveLength(32);
    const s = await connectPeer(server.baseUrl, sender);
    const r = await connectPeer(server.baseUrl, reader);

    const gone = new Promise<void>((res) => v.socket.once('disconnect', () => res()));
    expect((await http(server.baseUrl, 'DELETE', `/api/meshes/${meshId}/members/${victim.memberId}`, { token: owner.token })).status).toBe(200);
    await gone;

    // cannot connect
    expect(await connectError(server.baseUrl, helloAuth(victim))).toMatchObject({ code: 'unauthorized' });

    // cannot use either invite made before the removal, with its own key
    const asVictim = { identity: victim.keys, claimKey: newPeer().claimKey };
    const c2 = await http(server.baseUrl, 'POST', `/api/public/invites/${olderV2.body.code}/claim`, { body: claimBody(olderV2.body.code, asVictim, 'back') });
    expect([c2.status, c2.body.error?.code]).toEqual([403, 'member_removed']);
    expect(c2.text).not.toContain('sealed_root_key');
    const c1 = await http(server.baseUrl, 'POST', '/api/public/join', { body: joinBody(olderV1.body.token, asVictim, 'back') });
    expect([c1.status, c1.body.error?.code]).toEqual([403, 'member_removed']);

    // a broadcast after the removal is under the rotated key: the reader opens it, the held key does not
    const rotated = await s.next<{ epoch: number; sealed: string }>('root_key_rotated');
    expect(rotated.epoch).toBe(heldEpoch + 1);
    const newKey = openSealedForMember(rotated.sealed, sender.keys.secretKey)!;
    expect(await s.call('send', multicast(sender, rotated.epoch, newKey, 'after the removal'))).toMatchObject({ ok: true });
    const msg = await r.next<{ keyEpoch: number; nonce: string; ciphertext: string; from: { pubkey: string } }>('message');
    const ctx = { meshId, to: '*', keyEpoch: msg.keyEpoch, senderPubkeyHex: msg.from.pubkey };
    expect(msg.keyEpoch).toBe(rotated.epoch);
    const readerKey = openSealedForMember((await r.next<{ sealed: string }>('root_key_rotated')).sealed, reader.keys.secretKey)!;
    expect(openMulticast(msg, ctx, readerKey)).toEqual({ v: 1, text: 'after the removal' });
    expect(openMulticast(msg, ctx, heldKey)).toBeNull();
    expect(openMulticast(msg, { ...ctx, keyEpoch: heldEpoch }, heldKey)).toBeNull();
    // and no delivery row was made for the removed member
    const db = new PgClient({ connectionString: server.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM mesh.delivery WHERE recipient_member_id = $1 AND message_id IN (SELECT id FROM mesh.message WHERE key_epoch = $2)`, [
        victim.memberId,
        rotated.epoch,
      ]);
      expect(rows[0].n).toBe(0);
    } finally {
      await db.end();
    }
    rootKeyAtEnd = { epoch: rotated.epoch, key: newKey };

    // the rule is "older than the removal": an invite made after it admits the key again
    const newer = await http(server.baseUrl, 'POST', `/api/meshes/${meshId}/invites`, { token: owner.token, body: {} });
    const back = await http(server.baseUrl, 'POST', `/api/public/invites/${newer.body.code}/claim`, { body: claimBody(newer.body.code, asVictim, 'back') });
    expect(back.status).toBe(200);
    s.close();
    r.close();
  });

  it('C-SEC-10: with only the database rows and a random key none of the enc1: fields decrypt; with SERVER_SECRET all do', async () => {
    const db = new PgClient({ connectionString: server.databaseUrl });
    await db.connect();
    try {
      // every enc1: value in every text column of the schema, with its row
      const { rows: cols } = await db.query(
        `SELECT table_name, column_name FROM information_schema.columns
          WHERE table_schema = 'mesh' AND data_type IN ('text', 'character varying', 'character') ORDER BY 1, 2`,
      );
      const found: { table: string; column: string; row: Record<string, any>; value: string }[] = [];
      for (const { table_name: table, column_name: column } of cols) {
        const { rows } = await db.query(`SELECT * FROM mesh."${table}" WHERE "${column}" LIKE 'enc1:%'`);
        for (const row of rows) found.push({ table, column, row, value: row[column] });
      }
      const contextOf = (f: (typeof found)[number]): string => {
        switch (`${f.table}.${f.column}`) {
          case 'mesh.owner_secret_enc':
            return AtRestContext.ownerSecret(f.row.id);
          case 'mesh_root_key.key_enc':
            return AtRestContext.rootKey(f.row.mesh_id, Number(f.row.epoch));
          case 'invite.token_enc':
            return AtRestContext.v1Token(f.row.id);
          case 'instance.key_check':
            return AtRestContext.keyCheck;
          default:
            throw new Error(`an enc1: field this test does not know: ${f.table}.${f.column}`);
        }
      };
      const kinds = new Set(found.map((f) => `${f.table}.${f.column}`));
      expect([...kinds].sort()).toEqual(['instance.key_check', 'invite.token_enc', 'mesh.owner_secret_enc', 'mesh_root_key.key_enc']);
      expect(found.filter((f) => f.table === 'mesh_root_key').length).toBeGreaterThanOrEqual(2); // epochs 1 and 2 at least

      // a thief's attempt: random master keys (several), each with the right record context
      for (let attempt = 0; attempt < 3; attempt++) {
        const guess = deriveAtRestKey(masterKeyFromHex(randomBytes(32).toString('hex')));
        const opened = found.filter((f) => {
          try {
            decryptAtRest(f.value, contextOf(f), guess);
            return true;
          } catch {
            return false;
          }
        });
        expect(opened).toEqual([]);
      }

      // the server's own key opens every one, to the values the clients know
      const real = deriveAtRestKey(masterKeyFromHex(server.serverSecret));
      const plain = found.map((f) => ({ f, bytes: decryptAtRest(f.value, contextOf(f), real) }));
      expect(plain).toHaveLength(found.length);
      for (const { f, bytes } of plain) {
        if (f.table === 'instance') expect(fromUtf8(bytes)).toBe(KEY_CHECK_PLAINTEXT);
        if (f.table === 'invite') expect(fromUtf8(bytes)).toMatch(/^eyJ/);
        if (f.table === 'mesh_root_key') expect(bytes).toHaveLength(32);
        if (f.table === 'mesh') {
          // ed25519 secret key (seed ‖ public key): the seed re-derives the stored owner public key
          expect(bytes).toHaveLength(64);
          expect(signingKeyPairFromSeed(toHex(bytes.slice(0, 32))).publicKey).toBe(f.row.owner_pubkey);
        }
      }
      expect(plain.some(({ f, bytes }) => f.table === 'invite' && fromUtf8(bytes) === v1Token)).toBe(true);
      const current = plain.find(({ f }) => f.table === 'mesh_root_key' && f.row.mesh_id === meshId && Number(f.row.epoch) === rootKeyAtEnd!.epoch);
      expect(toBase64Url(current!.bytes)).toBe(toBase64Url(rootKeyAtEnd!.key));

      // a record copied to another row's context does not open either
      const anyRoot = found.find((f) => f.table === 'mesh_root_key')!;
      expect(() => decryptAtRest(anyRoot.value, AtRestContext.rootKey(anyRoot.row.mesh_id, Number(anyRoot.row.epoch) + 100), real)).toThrow();

      // the dump holds neither the master key nor any bare root key or v1 token
      const { rows: tables } = await db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'mesh' AND table_type = 'BASE TABLE'`);
      let dump = '';
      for (const { table_name } of tables) {
        const { rows } = await db.query(`SELECT row_to_json(t)::text AS j FROM mesh."${table_name}" t`);
        dump += rows.map((x) => x.j).join('\n');
      }
      expect(dump.length).toBeGreaterThan(1000);
      expect(dump).not.toContain(server.serverSecret);
      expect(dump).not.toContain(v1Token);
      for (const { f, bytes } of plain) if (f.table === 'mesh_root_key') expect(dump).not.toContain(toBase64Url(bytes));
    } finally {
      await db.end();
    }
  });
});
