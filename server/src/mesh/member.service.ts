import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { MemberEntity, PresenceEntity } from '@claudemesh/database';
import type { ListMembersQueryDto, MemberResponse, Page, RemovedMemberResponse, UpdateMemberDto } from '@claudemesh/shared/dto';
import { PAGE_LIMIT_DEFAULT } from '@claudemesh/shared/dto';
import { isId } from '@claudemesh/shared/crypto';
import { AppError } from '@claudemesh/shared/errors';
import type { AuditActor, AuditEntryInput, TerminateReason } from '@claudemesh/shared/protocol';
import { AuditService } from '../audit/audit.service';
import { AccountRepository } from '../auth/account.repository';
import { accountActor, type AuthContext } from '../auth/auth-context';
import { decodeCursor, encodeCursor } from '../auth/cursor';
import { RealtimeService } from '../realtime/realtime.service';
import { MemberRepository } from './member.repository';
import { MeshAccessService, roleAtLeast } from './mesh-access.service';
import { MeshKeysService } from './mesh-keys.service';
import { toMemberResponse } from './mesh.mapper';
import { MeshRepository } from './mesh.repository';

interface Departure {
  reason: TerminateReason & ('removed' | 'left');
  actor: AuditActor;
  byAccountId: string | null;
}

/** Members of a mesh (api.md §4), their removal and departure (data-model.md §3). */
@Injectable()
export class MemberService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly members: MemberRepository,
    private readonly meshes: MeshRepository,
    private readonly accounts: AccountRepository,
    private readonly access: MeshAccessService,
    private readonly keys: MeshKeysService,
    private readonly audit: AuditService,
    private readonly realtime: RealtimeService,
  ) {}

  async list(auth: AuthContext, meshId: string, q: ListMembersQueryDto): Promise<Page<MemberResponse>> {
    const { role } = await this.access.require(auth, meshId, 'member');
    if (q.includeRemoved && !roleAtLeast(role, 'admin')) throw new AppError('forbidden', 'Only admins can list removed members.');
    const limit = q.limit ?? PAGE_LIMIT_DEFAULT;
    const rows = await this.members.list(meshId, { includeRemoved: q.includeRemoved ?? false, limit: limit + 1, afterId: decodeCursor(q.cursor) });
    const page = rows.slice(0, limit);
    const presences = await this.members.livePresences(page.map((r) => r.member.id));
    return {
      data: page.map((r) => toMemberResponse(r, presences, roleAtLeast(role, 'admin'))),
      nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].member.id) : null,
    };
  }

  async update(auth: AuthContext, meshId: string, memberId: string, dto: UpdateMemberDto): Promise<MemberResponse> {
    if (dto.role === undefined && dto.displayName === undefined && dto.linkEmail === undefined) {
      const message = 'Give at least one of role, displayName and linkEmail';
      throw new AppError('validation_failed', message, { fields: [{ field: 'role', message }] });
    }
    await this.access.require(auth, meshId, 'admin', { write: true });
    await this.dataSource.transaction(async (manager) => {
      const member = await this.requireMember(manager, meshId, memberId);
      const patch: Partial<MemberEntity> = {};
      const entries: AuditEntryInput[] = [];
      if (dto.role !== undefined && dto.role !== member.role) {
        patch.role = dto.role;
        entries.push({ type: 'member.role_changed', actor: accountActor(auth), data: { memberId, from: member.role, to: dto.role } });
      }
      if (dto.displayName !== undefined) patch.displayName = dto.displayName;
      if (dto.linkEmail !== undefined) {
        const account = dto.linkEmail === null ? null : await this.accounts.findByEmail(dto.linkEmail, manager);
        if (dto.linkEmail !== null && (!account || account.disabledAt)) throw new AppError('account_not_found', 'No active account has that email.');
        patch.accountId = account?.id ?? null;
        if (patch.accountId !== member.accountId) {
          entries.push({ type: 'member.linked', actor: accountActor(auth), data: { memberId, accountId: patch.accountId } });
        }
      }
      if (Object.keys(patch).length) await this.members.update(manager, memberId, patch);
      await this.audit.append(manager, meshId, entries);
    });
    this.realtime.emitUi(meshId, 'members_changed', { meshId });
    return this.one(meshId, memberId);
  }

  /** Idempotent: revokes the member, ends its sessions, rotates the root key, then disconnects it everywhere. */
  async removeMember(auth: AuthContext, meshId: string, memberId: string): Promise<RemovedMemberResponse> {
    await this.access.require(auth, meshId, 'admin', { write: true });
    await this.depart(meshId, memberId, { reason: 'removed', actor: accountActor(auth), byAccountId: auth.account.id });
    const member = (await this.members.findInMesh(meshId, memberId)) as MemberEntity;
    return { id: member.id, removedAt: (member.revokedAt as Date).toISOString() };
  }

  /** The broker's `leave` event: the member removes itself (audit member.left, key rotation reason member_left). */
  async leave(meshId: string, memberId: string): Promise<void> {
    const member = await this.members.findInMesh(meshId, memberId);
    if (!member) throw new AppError('not_found', 'No such resource');
    await this.depart(meshId, memberId, { reason: 'left', actor: { kind: 'member', id: member.id, displayName: member.displayName }, byAccountId: null });
  }

  private async depart(meshId: string, memberId: string, d: Departure): Promise<void> {
    const result = await this.dataSource.transaction(async (manager) => {
      await this.meshes.lockById(manager, meshId); // mesh row first, the same order as archive
      await this.requireMember(manager, meshId, memberId);
      if (!(await this.members.revoke(manager, memberId, d.reason, d.byAccountId))) return null;
      const ended: PresenceEntity[] = await this.members.endPresences(manager, { meshId, memberId }, d.reason);
      await this.audit.append(manager, meshId, [{ type: d.reason === 'removed' ? 'member.removed' : 'member.left', actor: d.actor, data: { memberId } }]);
      const epoch = await this.keys.rotateRootKey(manager, meshId, d.reason === 'removed' ? 'member_removed' : 'member_left', d.actor);
      return { ended, epoch };
    });
    if (!result) return;
    await this.realtime.terminateMember(meshId, memberId, d.reason, result.ended);
    await this.realtime.rootKeyRotated(meshId, result.epoch);
    this.realtime.emitUi(meshId, 'members_changed', { meshId });
  }

  private async requireMember(manager: EntityManager, meshId: string, memberId: string): Promise<MemberEntity> {
    const member = isId(memberId) ? await this.members.lockInMesh(manager, meshId, memberId) : null;
    if (!member) throw new AppError('not_found', 'No such resource');
    return member;
  }

  private async one(meshId: string, memberId: string): Promise<MemberResponse> {
    const member = (await this.members.findInMesh(meshId, memberId)) as MemberEntity;
    const [row] = await this.members.withAccounts([member]);
    return toMemberResponse(row, await this.members.livePresences([memberId]), true);
  }
}
