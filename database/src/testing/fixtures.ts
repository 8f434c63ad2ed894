import { randomBytes } from 'node:crypto';

import type { DataSource } from 'typeorm';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Test-only ids and rows (the application uses generateId from @claudemesh/shared/crypto). */
export function testId(): string {
  let out = '';
  while (out.length < 32) {
    for (const b of randomBytes(40)) if (b < 248 && out.length < 32) out += BASE62[b % 62];
  }
  return out;
}

export function testHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

export async function insertAccount(ds: DataSource): Promise<string> {
  const id = testId();
  await ds.query(
    `INSERT INTO mesh.account (id, email, password_hash, display_name) VALUES ($1, $2, 'x', 'Tester')`,
    [id, `${id.toLowerCase()}@example.test`],
  );
  return id;
}

export async function insertMesh(ds: DataSource, accountId: string, slug = 'team'): Promise<string> {
  const id = testId();
  await ds.query(
    `INSERT INTO mesh.mesh (id, name, slug, owner_account_id, owner_pubkey, owner_secret_enc)
     VALUES ($1, $2, $3, $4, $5, 'enc1:x')`,
    [id, 'Team', slug, accountId, testHex(32)],
  );
  return id;
}

export async function insertMember(ds: DataSource, meshId: string, pubkey = testHex(32)): Promise<string> {
  const id = testId();
  await ds.query(
    `INSERT INTO mesh.member (id, mesh_id, peer_pubkey, display_name, role, joined_key_epoch)
     VALUES ($1, $2, $3, 'Peer', 'member', 1)`,
    [id, meshId, pubkey],
  );
  return id;
}
