import type { DataSource } from 'typeorm';
import { generateId, generateSigningKeyPair, generateUuid } from '@claudemesh/shared/crypto';
import { ApiClient } from '../../auth/testing/api-client';

/**
 * Test fixtures for member rows and presences. Admission itself (claim/join) belongs to the invite module;
 * these rows are what an admission leaves behind, inserted directly so the mesh tests stay independent of it.
 */
export async function insertMember(
  ds: DataSource,
  meshId: string,
  opts: { accountId?: string | null; role?: 'admin' | 'member'; displayName?: string } = {},
): Promise<{ id: string; pubkey: string; secretKey: string }> {
  const id = generateId();
  const kp = generateSigningKeyPair();
  await ds.query(
    `INSERT INTO mesh.member (id, mesh_id, peer_pubkey, display_name, role, account_id, joined_key_epoch)
     VALUES ($1, $2::varchar, $3, $4, $5, $6, (SELECT root_key_epoch FROM mesh.mesh WHERE id = $2::varchar))`,
    [id, meshId, kp.publicKey, opts.displayName ?? `peer-${id.slice(0, 6)}`, opts.role ?? 'member', opts.accountId ?? null],
  );
  return { id, pubkey: kp.publicKey, secretKey: kp.secretKey };
}

export async function insertPresence(
  ds: DataSource,
  meshId: string,
  memberId: string,
  opts: { disconnected?: boolean; summary?: string; displayName?: string } = {},
): Promise<{ id: string; sessionId: string }> {
  const id = generateId();
  const sessionId = generateUuid();
  await ds.query(
    `INSERT INTO mesh.presence (id, mesh_id, member_id, session_id, node_id, socket_id, display_name, summary, status, disconnected_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'working', $9)`,
    [id, meshId, memberId, sessionId, generateUuid(), `sock-${id.slice(0, 8)}`, opts.displayName ?? 'session', opts.summary ?? '', opts.disconnected ? new Date() : null],
  );
  return { id, sessionId };
}

export interface MeshFixture {
  meshId: string;
  adminMember: { id: string };
  memberMember: { id: string };
  /** An unlinked member, the target of member PATCH/DELETE. */
  target: { id: string };
}

/** A mesh owned by `owner`, with `admin` linked to an admin member and `member` to a plain member. */
export async function meshFixture(
  ds: DataSource,
  owner: ApiClient,
  accounts: { admin: string; member: string },
  name = 'fixture',
): Promise<MeshFixture> {
  const res = await owner.post('/api/meshes', { name });
  if (res.status !== 201) throw new Error(`mesh create failed: ${res.status} ${res.text}`);
  const meshId = res.body.id as string;
  const adminMember = await insertMember(ds, meshId, { accountId: accounts.admin, role: 'admin' });
  const memberMember = await insertMember(ds, meshId, { accountId: accounts.member, role: 'member' });
  const target = await insertMember(ds, meshId, {});
  return { meshId, adminMember, memberMember, target };
}
