import { randomBytes } from 'node:crypto';
import { Client as PgClient } from 'pg';
import {
  fromUtf8,
  generateUuid,
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
  sleep,
  waitFor,
  type Member,
  type Owner,
} from '../broker/harness';
import { jsonLines, setupTokenOf, startServerProcess, type ServerProcess } from '../support/server-process';
import { leakedIn, pgDump, rowDump, specDecrypt, type Secret } from './secret-scan';

/**
 * security.md §3 and §2 as seen from outside: the built server process (its real stdout/stderr), real sockets,
 * and its database read directly, as a thief of a dump would.
 */
const PASSWORD = 'correct horse battery'; // what harness.signupOwner signs up with

const multicast = (from: Member, epoch: number, rootKey: Uint8Array, text: string) => {
  const env = sealMulticast({ v: 1, text }, { meshId: from.meshId, to: '*', keyEpoch: epoch }, rootKey, from.keys.secretKey);
  return { clientId: generateUuid(), to: '*', keyEpoch: epoch, nonce: env.nonce, ciphertext: env.ciphertext };
};

describe('security: logs, removed members, data at rest, responses (C-SEC-3, C-SEC-9, C-SEC-10, C-SEC-2, C-DATA-7)', () => {
  let server: ServerProcess;
  let setupToken: string;
  let owner: Owner;
  let meshId: string;
  /** Every secret string the scenario handled, by name. */
  const secrets: Secret[] = [];
  let v1Token: string;
  let v1Code: string;
  let rootKeyAtEnd: { epoch: number; key: Uint8Array } | null = null;
  /** The owner keys, root keys and v1 tokens as C-SEC-10 decrypted them (hex, or the token text). */
  const atRestPlaintexts: Secret[] = [];

  beforeAll(async () => {
    await cryptoReady();
    // debug is the most verbose level: a secret must not appear at any level.
    server = await startServerProcess({ ...BROKER_TEST_ENV, LOG_LEVEL: 'debug', ALLOW_V1_INVITES: 'true' });
    setupToken = setupTokenOf(server);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('C-SEC-3: after sign-up, PAT, mesh, v1 and v2 invites, 100 messages, a hook call and refused attempts, no secret string is in the logs', async () => {
    // sign-up (password, session cookie, XSRF token, setup token) and a PAT
    owner = await signupOwner({ baseUrl: server.baseUrl, setupToken });
    const sessionCookie = /cm_session=([^;]+)/.exec(owner.cookie)![1];
    secrets.push(['password', PASSWORD], ['session cookie', sessionCookie], ['xsrf token', owner.xsrf], ['PAT', owner.token], ['setup token', setupToken]);
    const login = await fetch(`${server.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'owner@example.com', password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    for (const c of login.headers.getSetCookie().map((x) => x.split(';')[0])) secrets.push([`login cookie ${c.split('=')[0]}`, decodeURIComponent(c.slice(c.indexOf('=') + 1))]);
    meshId = await createMesh(server, owner, 'secrets');

    // refused attempts carry secrets too: a wrong password, the spent setup token, a forged PAT
    const wrongPassword = 'wrong horse battery staple';
    const forgedPat = `cmpat_${randomBytes(30).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 40).padEnd(40, 'x')}`;
    secrets.push(['wrong password', wrongPassword], ['forged PAT', forgedPat]);
    expect((await http(server.baseUrl, 'POST', '/api/auth/login', { body: { email: 'owner@example.com', password: wrongPassword } })).status).toBe(401);
    const again = await http(server.baseUrl, 'POST', '/api/auth/signup', { body: { email: 'late@example.com', password: wrongPassword, displayName: 'Late', setupToken } });
    expect(again.status).toBeGreaterThanOrEqual(400);
    expect((await http(server.baseUrl, 'GET', '/api/meshes', { token: forgedPat })).status).toBe(401);

    // v2: mint, landing data, a claim with a bad proof, then a real claim (proof, sealed root key)
    const v2 = await http(server.baseUrl, 'POST', `/api/meshes/${meshId}/invites`, { token: owner.token, body: { maxUses: 5 } });
    expect(v2.status).toBe(201);
    secrets.push(['v2 code', v2.body.code]);
    expect((await http(server.baseUrl, 'GET', `/api/public/invites/${v2.body.code}`)).status).toBe(200);
    expect((await fetch(`${server.baseUrl}/i/${v2.body.code}`, { redirect: 'manual' })).status).toBe(302);
    const claimer = newPeer();
    const claim = claimBody(v2.body.code, claimer, 'claimer');
    const badProof = { ...claim, proof: claimBody(v2.body.code, newPeer(), 'claimer').proof };
    expect((await http(server.baseUrl, 'POST', `/api/public/invites/${v2.body.code}/claim`, { body: badProof })).status).toBe(400);
    const claimed = await http(server.baseUrl, 'POST', `/api/public/invites/${v2.body.code}/claim`, { body: claim });
    expect(claimed.status).toBe(200);
    const rootKey = openSealedRootKey(claimed.body.sealed_root_key, claimer.claimKey.publicKey, claimer.claimKey.secretKey)!;
    expect(rootKey).toHaveLength(32);
    secrets.push(['claim proof', claim.proof], ['bad proof', badProof.proof], ['sealed root key', claimed.body.sealed_root_key], ['root key', toBase64Url(rootKey)]);

    // an email invite: the address may appear at debug level only
    const mailed = await http(server.baseUrl, 'POST', `/api/meshes/${meshId}/invites`, { token: owner.token, body: { email: 'friend@example.com' } });
    expect(mailed.status).toBe(201);
    secrets.push(['email invite code', mailed.body.code]);

    // v1: mint (token, code), resolve the code, landing by token, a join with an unknown field, then a join (proof)
    const v1 = await http(server.baseUrl, 'POST', `/api/meshes/${meshId}/invites`, { token: owner.token, body: { version: 1, maxUses: 5 } });
    expect(v1.status).toBe(201);
    v1Token = v1.body.token;
    v1Code = v1.body.code;
    secrets.push(['v1 code', v1.body.code], ['v1 token', v1Token]);
    expect((await http(server.baseUrl, 'GET', `/api/public/invite-code/${v1.body.code}`)).body.token).toBe(v1Token);
    expect((await http(server.baseUrl, 'GET', `/api/public/invites/${v1Token}`)).status).toBe(200);
    expect((await fetch(`${server.baseUrl}/join/${v1Token}`)).status).toBe(200);
    const joiner = newPeer();
    const join = joinBody(v1Token, joiner, 'joiner');
    expect((await http(server.baseUrl, 'POST', '/api/public/join', { body: { ...join, extra: v1Token } })).status).toBe(400);
    expect((await http(server.baseUrl, 'POST', '/api/public/join', { body: join })).status).toBe(200);
    secrets.push(['join proof', join.proof]);

    // 100 messages (50 direct, 50 broadcast) between two connected peers, each received and acked
    const [alice, bob] = await admitMembers(server, owner, meshId, 2, 'msg');
    const a = await connectPeer(server.baseUrl, alice);
    const b = await connectPeer(server.baseUrl, bob);
    secrets.push(['hello signature', String((a.socket.auth as Record<string, unknown>)['signature'])]);
    const forgedHello = { ...helloAuth(alice), signature: randomBytes(64).toString('hex') };
    expect(await connectError(server.baseUrl, forgedHello)).toMatchObject({ code: 'bad_signature' });
    secrets.push(['forged hello signature', forgedHello.signature as string]);
    const sealedForA = a.welcome.rootKey;
    secrets.push(['sealed root key (welcome)', sealedForA.sealed]);
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
    // refused sends carry a ciphertext as well: a short nonce, a stale epoch
    const refused = multicast(alice, sealedForA.epoch, key, 'refused');
    secrets.push(['refused ciphertext', refused.ciphertext]);
    expect(await a.call('send', { ...refused, nonce: refused.nonce.slice(4) })).toMatchObject({ ok: false, error: { code: 'malformed' } });
    expect(await a.call('send', { ...refused, keyEpoch: sealedForA.epoch + 7 })).toMatchObject({ ok: false, error: { code: 'stale_key_epoch' } });
    await waitFor(() => b.of('message').length >= 100, 20_000);
    const received = b.of<{ id: string }>('message');
    expect(await b.call('ack', { messageIds: received.map((x) => x.id) })).toMatchObject({ ok: true });

    // a hook call, and one with a forged MAC
    const hookToken = b.welcome.hookToken!;
    expect(hookToken).toMatch(/^cmh1\./);
    const forgedHook = `${hookToken.slice(0, hookToken.lastIndexOf('.') + 1)}${toBase64Url(randomBytes(32))}`;
    secrets.push(['hook token', hookToken], ['hook MAC', hookToken.split('.')[2]], ['forged hook token', forgedHook], ['forged hook MAC', forgedHook.split('.')[2]]);
    const hook = await http(server.baseUrl, 'POST', '/hook/set-status', { body: { status: 'working' }, headers: { authorization: `Bearer ${hookToken}` } });
    expect(hook.status).toBe(200);
    expect((await http(server.baseUrl, 'POST', '/hook/set-status', { body: { status: 'idle' }, headers: { authorization: `Bearer ${forgedHook}` } })).status).toBe(401);
    a.close();
    b.close();
    await sleep(300); // let the last request lines reach the pipe

    const logs = `${server.stdout()}\n${server.stderr()}`;
    expect(logs.length).toBeGreaterThan(1000); // the scenario was logged (HTTP lines at least)
    expect(logs).toContain('/api/public/join'); // the routes were logged, only their secrets were not
    // operations.md §5: socket events log at debug, with their metadata (and so pass through the secret scan below)
    const events = jsonLines(server.stdout()).filter((l) => l.msg === 'socket event');
    expect(events.filter((l) => l.event === 'send' && l.ok === true).length).toBeGreaterThanOrEqual(100);
    expect(events.every((l) => l.level === 'debug' && typeof l.socketId === 'string' && typeof l.durationMs === 'number')).toBe(true);
    expect(events.some((l) => l.ok === false && typeof l.code === 'string')).toBe(true);
    // the one token ever printed is the setup token, in its one first-time setup line; it is checked separately
    const leaked = leakedIn(logs.replace(`First-time setup: ${server.baseUrl}/signup?setup=${setupToken}\n`, ''), secrets);
    expect(leaked).toEqual([]);
    const withSetup = logs.split('\n').filter((l) => l.includes(setupToken));
    expect(withSetup).toEqual([`First-time setup: ${server.baseUrl}/signup?setup=${setupToken}`]);
    // the master key is never printed, and email addresses appear at debug level only
    expect(leakedIn(logs, [['SERVER_SECRET', server.serverSecret]])).toEqual([]);
    const aboveDebug = jsonLines(server.stdout()).filter((l) => l.level !== 'debug' && l.level !== 'trace');
    expect(aboveDebug.filter((l) => /[a-z]+@example\.com/.test(JSON.stringify(l)))).toEqual([]);
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
    const found: { table: string; column: string; row: Record<string, any>; value: string }[] = [];
    try {
      // every enc1: value in every text column of the schema, with its row
      const { rows: cols } = await db.query(
        `SELECT table_name, column_name FROM information_schema.columns
          WHERE table_schema = 'mesh' AND data_type IN ('text', 'character varying', 'character') ORDER BY 1, 2`,
      );
      for (const { table_name: table, column_name: column } of cols) {
        const { rows } = await db.query(`SELECT * FROM mesh."${table}" WHERE "${column}" LIKE 'enc1:%'`);
        for (const row of rows) found.push({ table, column, row, value: row[column] });
      }
    } finally {
      await db.end();
    }
    // The record contexts of protocol.md §2.1, written out here rather than taken from the server's code.
    const contextOf = (f: (typeof found)[number]): string => {
      switch (`${f.table}.${f.column}`) {
        case 'mesh.owner_secret_enc':
          return `mesh/${f.row.id}/owner-sk`;
        case 'mesh_root_key.key_enc':
          return `mesh/${f.row.mesh_id}/root/${Number(f.row.epoch)}`;
        case 'invite.token_enc':
          return `invite/${f.row.id}/v1-token`;
        case 'instance.key_check':
          return 'instance/key-check';
        default:
          throw new Error(`an enc1: field this test does not know: ${f.table}.${f.column}`);
      }
    };
    const kinds = new Set(found.map((f) => `${f.table}.${f.column}`));
    expect([...kinds].sort()).toEqual(['instance.key_check', 'invite.token_enc', 'mesh.owner_secret_enc', 'mesh_root_key.key_enc']);
    expect(found.filter((f) => f.table === 'mesh_root_key').length).toBeGreaterThanOrEqual(2); // epochs 1 and 2 at least

    // a thief's attempt: random master keys (several), each with the right record context
    for (let attempt = 0; attempt < 3; attempt++) {
      const guess = randomBytes(32).toString('hex');
      const opened = [];
      for (const f of found) if (await specDecrypt(f.value, contextOf(f), guess)) opened.push(`${f.table}.${f.column}`);
      expect(opened).toEqual([]);
    }

    // the server's own key opens every one, to the values the clients know
    const plain: { f: (typeof found)[number]; bytes: Uint8Array }[] = [];
    for (const f of found) {
      const bytes = await specDecrypt(f.value, contextOf(f), server.serverSecret);
      expect([`${f.table}.${f.column}`, bytes === null]).toEqual([`${f.table}.${f.column}`, false]);
      plain.push({ f, bytes: bytes! });
    }
    for (const { f, bytes } of plain) {
      if (f.table === 'instance') expect(fromUtf8(bytes)).toBe('claudemesh-key-check');
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
    for (const { f, bytes } of plain) {
      if (f.table !== 'instance') atRestPlaintexts.push([`${f.table}.${f.column} (decrypted)`, Buffer.from(bytes).toString(f.table === 'invite' ? 'utf8' : 'hex')]);
      if (f.table === 'mesh') atRestPlaintexts.push(['mesh.owner_secret_enc (seed)', toHex(bytes.slice(0, 32))]);
    }

    // a record copied to another row's context does not open either
    const anyRoot = found.find((f) => f.table === 'mesh_root_key')!;
    expect(await specDecrypt(anyRoot.value, `mesh/${anyRoot.row.mesh_id}/root/${Number(anyRoot.row.epoch) + 100}`, server.serverSecret)).toBeNull();
  });

  it('C-SEC-2: no response holds an owner secret key or a bare root key; the v1 token comes only from minting and the code resolver', async () => {
    const keys = atRestPlaintexts.filter(([n]) => n.startsWith('mesh'));
    expect(keys.length).toBeGreaterThanOrEqual(4); // owner key, its seed, two root keys at least
    const seen: [string, string][] = [];
    const get = async (path: string, token: string | undefined = owner.token) => {
      const r = await http(server.baseUrl, 'GET', path, { token });
      expect([path, r.status]).toEqual([path, 200]);
      seen.push([path, r.text]);
      return r;
    };
    const invites = await get(`/api/meshes/${meshId}/invites?status=all`);
    const v1Invite = invites.body.data.find((i: { code: string }) => i.code === v1Code);
    const v2Invite = invites.body.data.find((i: { version: number; status: string }) => i.version === 2 && i.status === 'valid');
    for (const p of ['/api/meshes', `/api/meshes/${meshId}`, `/api/meshes/${meshId}/members?includeRemoved=true`, `/api/meshes/${meshId}/audit/verify`]) await get(p);
    for (const p of [`/api/mail-outbox?meshId=${meshId}`, '/api/auth/me', '/api/public/config']) await get(p);
    for (const p of [`/api/public/invites/${v2Invite.code}`, `/api/public/invites/${v1Invite.code}`, `/api/public/invites/${v1Token}`]) await get(p, undefined);
    let before: number | null = null;
    do {
      const page = await get(`/api/meshes/${meshId}/audit?limit=200${before === null ? '' : `&before=${before}`}`);
      before = page.body.nextBefore;
    } while (before !== null);
    const minted = await http(server.baseUrl, 'POST', `/api/meshes/${meshId}/invites`, { token: owner.token, body: { maxUses: 1 } });
    expect(minted.status).toBe(201);
    seen.push(['POST …/invites (v2)', minted.text]);

    const all = seen.map(([, text]) => text).join('\n');
    expect(all).toContain(meshId);
    expect(leakedIn(all, keys)).toEqual([]);
    // the v1 token is in none of these (the invite list and the landing by code included) …
    expect(seen.filter(([, text]) => text.includes(v1Token)).map(([p]) => p)).toEqual([]);
    // … and the code resolver gives it only while the invite is valid (after a revocation, never)
    expect((await http(server.baseUrl, 'GET', `/api/public/invite-code/${v1Invite.code}`)).body).toEqual({ token: v1Token, version: 1 });
    expect((await http(server.baseUrl, 'DELETE', `/api/meshes/${meshId}/invites/${v1Invite.id}`, { token: owner.token })).status).toBe(200);
    const dead = await http(server.baseUrl, 'GET', `/api/public/invite-code/${v1Invite.code}`);
    expect([dead.status, dead.text.includes(v1Token)]).toEqual([410, false]);
    const landing = await fetch(`${server.baseUrl}/i/${v1Invite.code}`, { redirect: 'manual' });
    expect(landing.headers.get('location')).toBe(`/join/${v1Invite.code}`);
  });

  it('C-DATA-7: no column of any table, and no pg_dump line, holds a password, token, hook token, owner or root key, or v1 token', async () => {
    // Stored by design, so not searched here: invite codes (invite.code), CSRF tokens (auth_session.csrf_token),
    // and message nonces and ciphertexts until the delivery sweep purges them (data-model.md §2, §6).
    const storedByDesign = /code|xsrf|XSRF-TOKEN|nonce|ciphertext/;
    const searched: Secret[] = [
      ...secrets.filter(([name]) => !storedByDesign.test(name)),
      ...atRestPlaintexts,
      ['SERVER_SECRET', server.serverSecret],
    ];
    for (const must of ['password', 'wrong password', 'session cookie', 'login cookie cm_session', 'PAT', 'setup token', 'hook token', 'hook MAC', 'v1 token', 'root key']) {
      expect(searched.map(([n]) => n)).toContain(must);
    }
    expect(atRestPlaintexts.filter(([n]) => n.startsWith('mesh.owner_secret_enc')).length).toBeGreaterThanOrEqual(1);
    expect(atRestPlaintexts.filter(([n]) => n.startsWith('mesh_root_key')).length).toBeGreaterThanOrEqual(2);

    const rows = await rowDump(server.databaseUrl);
    expect(rows.length).toBeGreaterThan(5000);
    expect(rows).toContain(meshId); // the dump is of the scenario's database
    expect(leakedIn(rows, searched)).toEqual([]);
    const dump = pgDump(server.databaseUrl);
    if (dump !== null) {
      expect(dump).toContain('COPY mesh.audit_event');
      expect(leakedIn(dump, searched)).toEqual([]);
    }
  });
});
