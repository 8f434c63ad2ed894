import { Injectable } from '@nestjs/common';
import type { MeshEntity } from '@claudemesh/database';
import { isId } from '@claudemesh/shared/crypto';
import { AppError } from '@claudemesh/shared/errors';
import type { MeshRole } from '@claudemesh/shared/protocol';
import type { AuthContext } from '../auth/auth-context';
import { MeshRepository } from './mesh.repository';

const RANK: Record<MeshRole, number> = { member: 1, admin: 2, owner: 3 };

/** The mesh half of the authz matrix (security.md §4): invisible → 404, too low → 403, write on archived → 410. */
@Injectable()
export class MeshAccessService {
  constructor(private readonly meshes: MeshRepository) {}

  /** The account's role in the mesh, or null when the mesh is invisible to it. */
  roleOf(accountId: string, meshId: string): Promise<MeshRole | null> {
    if (!isId(meshId)) return Promise.resolve(null);
    return this.meshes.roleOf(accountId, meshId);
  }

  async require(
    auth: AuthContext,
    meshId: string,
    min: 'member' | 'admin' | 'owner',
    opts: { write?: boolean } = {},
  ): Promise<{ mesh: MeshEntity; role: MeshRole }> {
    const notFound = new AppError('not_found', 'No such resource');
    if (!isId(meshId)) throw notFound;
    const [mesh, role] = await Promise.all([this.meshes.findById(meshId), this.meshes.roleOf(auth.account.id, meshId)]);
    if (!mesh || !role) throw notFound;
    if (RANK[role] < RANK[min]) throw new AppError('forbidden', `This action needs the ${min} role in this mesh.`);
    if (opts.write && mesh.archivedAt) throw new AppError('mesh_archived', 'This mesh is archived and read-only.');
    return { mesh, role };
  }
}

export const roleAtLeast = (role: MeshRole, min: MeshRole): boolean => RANK[role] >= RANK[min];
