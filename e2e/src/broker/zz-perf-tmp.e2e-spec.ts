import { randomBytes } from 'node:crypto';
import { generateId, generateSigningKeyPair, generateUuid } from '@claudemesh/shared/crypto';
import { connectPeer, createMesh, signupOwner, sleep, startBroker, type Member, type TestPeer } from './harness';

it('perf', async () => {
  (globalThis as any).__cmTrace = [];
  const N = Number(process.env.PERF_PEERS ?? 200), M = Number(process.env.PERF_MSGS ?? 50), RATE = Number(process.env.PERF_RATE ?? 2000);
  const app = await startBroker({ SEND_RATE_BURST: '100000', SEND_RATE_PER_MIN: '10000000' });
  const owner = await signupOwner(app);
  const meshId = await createMesh(app, owner);
  const members: Member[] = [];
  for (let i = 0; i < N; i++) {
    const keys = generateSigningKeyPair();
    const id = generateId();
    await app.dataSource.query(`INSERT INTO mesh.member (id, mesh_id, peer_pubkey, display_name, role, joined_key_epoch) VALUES ($1,$2,$3,$4,'member',1)`, [id, meshId, keys.publicKey, `p${i}`]);
    members.push({ meshId, memberId: id, displayName: `p${i}`, keys });
  }
  const t0c = Date.now();
  const peers: TestPeer[] = [];
  for (let i = 0; i < N; i += 50) peers.push(...(await Promise.all(members.slice(i, i + 50).map((m) => connectPeer(app.baseUrl, m)))));
  console.log('connected', N, 'in', Date.now() - t0c, 'ms');
  const sentAt = new Map<string, number>();
  const lat: number[] = [];
  const ackLat: number[] = [];
  let received = 0;
  for (const p of peers) {
    const pending: string[] = [];
    p.socket.on('message', (msg: any) => {
      const t = sentAt.get(msg.ciphertext);
      if (t !== undefined && msg.attempt === 1) { lat.push(Date.now() - t); received++; }
      pending.push(msg.id);
      if (pending.length === 1) setTimeout(() => { const ids = pending.splice(0); p.socket.emit('ack', { messageIds: ids }, () => undefined); }, 10);
    });
  }
  const total = N * M;
  const interval = 1000 / RATE;
  const start = Date.now();
  let sent = 0;
  const acks: Promise<unknown>[] = [];
  while (sent < total) {
    const due = Math.floor((Date.now() - start) / interval);
    while (sent < Math.min(due, total)) {
      const from = peers[sent % N];
      const to = members[(sent * 7 + 1) % N];
      const ct = randomBytes(200).toString('base64');
      const t = Date.now();
      sentAt.set(ct, t);
      acks.push(from.call('send', { clientId: generateUuid(), to: to.keys.publicKey, nonce: randomBytes(24).toString('base64'), ciphertext: ct }, 60000).then((r: any) => { ackLat.push(Date.now() - t); if (!r.ok) console.log('fail', r); }));
      sent++;
    }
    await sleep(2);
  }
  await Promise.all(acks);
  const end = Date.now() + 30000;
  while (received < total && Date.now() < end) await sleep(50);
  const dur = (Date.now() - start) / 1000;
  const pct = (a: number[], q: number) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };
  console.log(JSON.stringify({ total, received, dur, p50: pct(lat, 0.5), p95: pct(lat, 0.95), p99: pct(lat, 0.99), max: pct(lat, 1), ackP50: pct(ackLat, 0.5), ackP99: pct(ackLat, 0.99) }));
  const tr = (globalThis as any).__cmTrace as [string, number, number][];
  for (const kind of ['send', 'claim']) { const xs = tr.filter((x) => x[0] === kind); const n = xs.length; console.log(kind, 'statements', n, 'avg items', xs.reduce((a, x) => a + x[1], 0) / n, 'avg ms', xs.reduce((a, x) => a + x[2], 0) / n, 'max ms', Math.max(...xs.map((x) => x[2]))); }
  const { MessageRepository } = require('../../../server/src/broker/message.repository');
  const src = require('fs').readFileSync(require.resolve('../../../server/src/broker/message.repository'), 'utf8');
  const sql = src.slice(src.indexOf('const INSERT_BATCH_SQL = `') + 26, src.indexOf('`;', src.indexOf('const INSERT_BATCH_SQL')));
  const items = Array.from({ length: 30 }, (_, i) => members[i]);
  const params = [items.map(() => generateId()), items.map(() => meshId), items.map((m) => m.memberId), items.map((m) => m.keys.publicKey), items.map(() => 'x'), items.map(() => generateUuid()), items.map(() => generateUuid()), items.map((_, i) => members[(i + 1) % N].keys.publicKey), items.map(() => 'direct'), items.map(() => null), items.map(() => 'next'), items.map(() => null), items.map(() => randomBytes(24).toString('base64')), items.map(() => randomBytes(200).toString('base64')), items.map(() => 200), items.map(() => 'a'.repeat(64)), 600];
  const plan = await app.dataSource.query('EXPLAIN (ANALYZE, TIMING) ' + sql, params);
  console.log(plan.map((r: any) => r['QUERY PLAN']).join('\n'));
  for (const p of peers) p.close();
  await app.close();
}, 600000);
