import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { MeshEntity } from '@claudemesh/database';
import type { CreateMeshDto, ListMeshesQueryDto, MeshListItem, MeshResponse, Page, TransferMeshDto, UpdateMeshDto } from '@claudemesh/shared/dto';
import { PAGE_LIMIT_DEFAULT } from '@claudemesh/shared/dto';
import { generateId, generateSigningKeyPair, slugify } from '@claudemesh/shared/crypto';
import { AppError } from '@claudemesh/shared/errors';
import type { MeshRole } from '@claudemesh/shared/protocol';
import { AuditService } from '../audit/audit.service';
import { AccountRepository } from '../auth/account.repository';
import { accountActor, type AuthContext } from '../auth/auth-context';
import { decodeCursor, pageOf } from '../auth/cursor';
import { RealtimeService } from '../realtime/realtime.service';
import { MemberRepository } from './member.repository';
import { MeshAccessService } from './mesh-access.service';
import { MeshKeysService } from './mesh-keys.service';
import { toMeshListItem, toMeshResponse } from './mesh.mapper';
import { MeshRepository } from './mesh.repository';

/** Meshes (api.md §3): create, list, detail, rename, archive, transfer, rotate the root key. */
@Injectable()
export class MeshService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly meshes: MeshRepository,
    private readonly members: MemberRepository,
    private readonly accounts: AccountRepository,
    private readonly access: MeshAccessService,
    private readonly keys: MeshKeysService,
    private readonly audit: AuditService,
    private readonly realtime: RealtimeService,
  ) {}

  /** Owner keypair and root key epoch 1, encrypted at rest, with audit mesh.created, in one transaction. */
  async create(auth: AuthContext, dto: CreateMeshDto): Promise<MeshResponse> {
    const id = generateId();
    const owner = generateSigningKeyPair();
    await this.dataSource.transaction(async (manager) => {
      await this.meshes.insert(manager, {
        id,
        name: dto.name,
        slug: slugify(dto.name),
        ownerAccountId: auth.account.id,
        ownerPubkey: owner.publicKey,
        ownerSecretEnc: this.keys.encryptOwnerSecret(id, owner.secretKey),
        rootKeyEpoch: 1,
      });
      await this.keys.createInitialRootKey(manager, id);
      await this.audit.append(manager, id, [{ type: 'mesh.created', actor: accountActor(auth), data: { name: dto.name } }]);
    });
    return this.view(auth, id, 'owner');
  }

  async list(auth: AuthContext, q: ListMeshesQueryDto): Promise<Page<MeshListItem>> {
    const limit = q.limit ?? PAGE_LIMIT_DEFAULT;
    const rows = await this.meshes.listForAccount(auth.account.id, {
      q: q.q || undefined,
      archived: q.archived ?? false,
      limit: limit + 1,
      afterId: decodeCursor(q.cursor),
    });
    return pageOf(rows, limit, toMeshListItem);
  }

  async get(auth: AuthContext, meshId: string): Promise<MeshResponse> {
    const { role } = await this.access.require(auth, meshId, 'member');
    return this.view(auth, meshId, role);
  }

  async rename(auth: AuthContext, meshId: string, dto: UpdateMeshDto): Promise<MeshResponse> {
    const { role } = await this.access.require(auth, meshId, 'admin', { write: true });
    await this.dataSource.transaction(async (manager) => {
      await this.meshes.update(manager, meshId, { name: dto.name, slug: slugify(dto.name) });
      await this.audit.append(manager, meshId, [{ type: 'mesh.renamed', actor: accountActor(auth), data: { name: dto.name } }]);
    });
    return this.view(auth, meshId, role);
  }

  /** Idempotent. Ends every presence (terminated mesh_archived); the mesh becomes read-only. */
  async archive(auth: AuthContext, meshId: string): Promise<MeshResponse> {
    await this.access.require(auth, meshId, 'owner');
    const ended = await this.dataSource.transaction(async (manager) => {
      await this.meshes.lockById(manager, meshId);
      if (!(await this.meshes.archive(manager, meshId))) return null;
      const presences = await this.members.endPresences(manager, { meshId }, 'mesh_archived');
      await this.audit.append(manager, meshId, [{ type: 'mesh.archived', actor: accountActor(auth), data: {} }]);
      return presences;
    });
    if (ended) await this.realtime.terminateMesh(meshId, ended);
    return this.view(auth, meshId, 'owner');
  }

  /** The target must be an active account with a non-removed linked member here (409 transfer_target_invalid). */
  async transfer(auth: AuthContext, meshId: string, dto: TransferMeshDto): Promise<MeshResponse> {
    if ((dto.accountId === undefined) === (dto.email === undefined)) {
      const message = 'Give exactly one of accountId and email';
      throw new AppError('validation_failed', message, { fields: [{ field: dto.accountId ? 'email' : 'accountId', message }] });
    }
    await this.access.require(auth, meshId, 'owner', { write: true });
    await this.dataSource.transaction(async (manager) => {
      const mesh = (await this.meshes.lockById(manager, meshId)) as MeshEntity;
      const target = dto.accountId ? await this.accounts.findById(dto.accountId, manager) : await this.accounts.findByEmail(dto.email as string, manager);
      const linked = target && !target.disabledAt ? await this.members.findActiveLinked(manager, meshId, target.id) : null;
      if (!target || !linked || target.id === mesh.ownerAccountId) {
        throw new AppError('transfer_target_invalid', 'The new owner must be an active account linked to a member of this mesh.');
      }
      await this.meshes.update(manager, meshId, { ownerAccountId: target.id });
      await this.audit.append(manager, meshId, [
        { type: 'mesh.transferred', actor: accountActor(auth), data: { fromAccountId: mesh.ownerAccountId, toAccountId: target.id } },
      ]);
    });
    this.realtime.emitUi(meshId, 'members_changed', { meshId });
    return this.view(auth, meshId, await this.access.roleOf(auth.account.id, meshId));
  }

  async rotateRootKey(auth: AuthContext, meshId: string): Promise<{ epoch: number }> {
    await this.access.require(auth, meshId, 'admin', { write: true });
    const epoch = await this.dataSource.transaction((manager) => this.keys.rotateRootKey(manager, meshId, 'manual', accountActor(auth)));
    await this.realtime.rootKeyRotated(meshId, epoch);
    return { epoch };
  }

  /** The mesh object as `role` sees it; a previous owner without a linked member sees role null once. */
  private async view(auth: AuthContext, meshId: string, role: MeshRole | null): Promise<MeshResponse> {
    const mesh = (await this.meshes.findById(meshId)) as MeshEntity;
    const [owner, counts] = await Promise.all([this.accounts.findById(mesh.ownerAccountId), this.meshes.counts(meshId)]);
    return toMeshResponse(mesh, role as MeshRole, { id: mesh.ownerAccountId, displayName: owner?.displayName ?? '' }, counts);
  }
}
