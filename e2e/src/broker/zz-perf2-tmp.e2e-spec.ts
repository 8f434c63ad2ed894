import { randomBytes } from 'node:crypto';
import { generateId, generateSigningKeyPair, generateUuid, sha256Hex } from '@claudemesh/shared/crypto';
import { MessageRepository } from '../../../server/src/broker/message.repository';
import { DeliveryRepository } from '../../../server/src/broker/delivery.repository';
import { createMesh, signupOwner, startBroker } from './harness';

it('perf2', async () => {
  const app = await startBroker();
  const owner = await signupOwner(app);
  const meshId = await createMesh(app, owner);
  const ids: { id: string; pk: string }[] = [];
  for (let i = 0; i < 200; i++) {
    const keys = generateSigningKeyPair();
    const id = generateId();
    await app.dataSource.query(`INSERT INTO mesh.member (id, mesh_id, peer_pubkey, display_name, role, joined_key_epoch) VALUES ($1,$2,$3,$4,'member',1)`, [id, meshId, keys.publicKey, `p${i}`]);
    ids.push({ id, pk: keys.publicKey });
  }
  const repo = app.app.get(MessageRepository);
  const mk = (i: number) => ({ id: generateId(), meshId, senderMemberId: ids[i % 200].id, senderPubkey: ids[i % 200].pk, senderDisplayName: 'x', senderSessionId: generateUuid(), clientId: generateUuid(), target: ids[(i + 1) % 200].pk, targetKind: 'direct' as const, toSessionId: null, priority: 'next' as const, keyEpoch: null, nonce: randomBytes(24).toString('base64'), ciphertext: randomBytes(200).toString('base64'), sizeBytes: 200, contentHash: sha256Hex(String(i)) });
  for (const size of [1, 10, 50]) {
    const t = Date.now();
    for (let k = 0; k < 50; k++) await repo.insertBatch(Array.from({ length: size }, (_, i) => mk(k * size + i)), 600);
    console.log('batch', size, (Date.now() - t) / 50, 'ms per statement');
  }
  const t2 = Date.now();
  for (let k = 0; k < 200; k++) await app.dataSource.query('SELECT 1');
  console.log('select1', (Date.now() - t2) / 200, 'ms');
  const explain = await app.dataSource.query('EXPLAIN ANALYZE SELECT 1');
  const d = app.app.get(DeliveryRepository);
  const t3 = Date.now();
  for (let k = 0; k < 100; k++) await d.claim(generateId(), 'x', 256, 30, 100);
  console.log('claim(empty)', (Date.now() - t3) / 100, 'ms');
  await app.close();
}, 600000);
