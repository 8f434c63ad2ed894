import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { advisoryKey, type InviteEntity, type MemberEntity, type MeshEntity } from '@claudemesh/database';
import { AtRestContext, generateId } from '@claudemesh/shared/crypto';
import { AppError } from '@claudemesh/shared/errors';
import { AuditService } from '../audit/audit.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { KeyringService } from '../crypto/keyring.service';
import { MetricsService } from '../metrics/metrics.service';
import { RealtimeService } from '../realtime/realtime.service';
import { AdmissionRepository } from './admission.repository';
import { inviteError, landingStatus } from './invite-lifecycle';
import { InviteRepository } from './invite.repository';
import { PendingInviteRepository } from './pending-invite.repository';

export interface AdmitInput {
  invite: InviteEntity;
  mesh: MeshEntity;
  peerPubkey: string;
  displayName: string;
  accountId: string | null;
  via: 'v1' | 'v2';
  /** v2: seals the root key of the epoch read in the transaction (cannot fail: inputs are validated). */
  seal?: (rootKey: Uint8Array) => string;
}

export type AdmitResult =
  | { kind: 'admitted'; memberId: string; role: 'admin' | 'member'; epoch: number; usedCount: number; sealed: string | null }
  | { kind: 'already_member'; member: MemberEntity };

/** Rolls the admission transaction back with a known outcome. */
class Abort extends Error {
  constructor(readonly outcome: 'no_slot' | 'already_member') {
    super(outcome);
  }
}

/**
 * The admission transaction of invites.md §6.2, shared by the v2 claim and the v1 join: the conditional use count,
 * the member cap, the member row, the pending_invite acceptance and the audit entries commit together or not at all.
 */
@Injectable()
export class AdmissionService {
  private readonly logger = new Logger('admission');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly invites: InviteRepository,
    private readonly members: AdmissionRepository,
    private readonly pending: PendingInviteRepository,
    private readonly audit: AuditService,
    private readonly realtime: RealtimeService,
    private readonly metrics: MetricsService,
    private readonly keyring: KeyringService,
  ) {}

  /** An active member with this key, if any. */
  async activeMember(meshId: string, peerPubkey: string): Promise<MemberEntity | null> {
    const m = await this.members.findMember(meshId, peerPubkey);
    return m && !m.revokedAt ? m : null;
  }

  /**
   * §4.3 check 3 / §3.3 step 4, after the lifecycle checks: a key removed after this invite was created is refused
   * (member_removed); an active member needs no slot; anyone else needs one (invite_exhausted). Returns the active member.
   */
  async checkAdmissible(invite: InviteEntity, peerPubkey: string): Promise<MemberEntity | null> {
    const m = await this.members.findMember(invite.meshId, peerPubkey);
    if (m?.revokedAt && m.revokedAt.getTime() > invite.createdAt.getTime()) throw inviteError('member_removed', 'member_removed');
    const active = m && !m.revokedAt ? m : null;
    if (!active && invite.usedCount >= invite.maxUses) throw inviteError('invite_exhausted', 'exhausted');
    return active;
  }

  /** Runs a claim (v2) or join (v1), counting a refused one in the claims metric by its error code. */
  async countRefusals<T>(version: 'v1' | 'v2', run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      if (e instanceof AppError) this.metrics.inviteClaimsTotal.inc({ version, result: e.code });
      throw e;
    }
  }

  /** §7: links an unlinked already-member to the caller's account; never re-links. */
  async linkIfUnlinked(member: MemberEntity, accountId: string | null): Promise<void> {
    if (accountId && !member.accountId) {
      await this.members.linkIfUnlinked(member.id, accountId);
      this.realtime.emitUi(member.meshId, 'members_changed', { meshId: member.meshId });
    }
  }

  async admit(input: AdmitInput): Promise<AdmitResult> {
    const { invite, mesh, peerPubkey } = input;
    try {
      const result = await this.dataSource.transaction(async (m) => {
        const usedCount = await this.invites.consumeUse(m, invite.id, peerPubkey);
        if (usedCount === null) throw new Abort('no_slot');
        await this.members.lockMesh(m, advisoryKey(`claudemesh:admit:${mesh.id}`));
        const existing = await this.members.findMember(mesh.id, peerPubkey, m);
        if (existing && !existing.revokedAt) throw new Abort('already_member');
        if ((await this.members.countActive(m, mesh.id)) >= this.config.maxMembersPerMesh) {
          throw inviteError('mesh_full', 'mesh_full');
        }
        const epoch = await this.members.currentEpoch(m, mesh.id);
        const row = {
          displayName: input.displayName,
          role: invite.role,
          inviteId: invite.id,
          joinedKeyEpoch: epoch,
          accountId: input.accountId,
        };
        let memberId: string;
        if (existing) {
          memberId = existing.id;
          if (!(await this.members.reactivate(m, memberId, row))) throw new Abort('already_member');
        } else {
          memberId = generateId();
          const inserted = await this.members.insertMember(m, { ...row, id: memberId, meshId: mesh.id, peerPubkey });
          if (!inserted) throw new Abort('already_member');
        }
        await this.pending.markAccepted(m, invite.id, memberId);
        const actor = { kind: 'member' as const, id: memberId, displayName: input.displayName };
        await this.audit.append(m, mesh.id, [
          { type: 'member.joined', actor, data: { memberId, pubkey: peerPubkey, role: invite.role, inviteId: invite.id, via: input.via } },
          { type: 'invite.claimed', actor, data: { inviteId: invite.id, memberId, usedCount } },
        ]);
        // Read on this transaction's connection: under a claim storm every other pool connection may be waiting on
        // the invite row lock, so asking the pool for another one here could deadlock.
        const sealed = input.seal
          ? input.seal(this.keyring.decrypt(AtRestContext.rootKey(mesh.id, epoch), await this.members.rootKeyEnc(m, mesh.id, epoch)))
          : null;
        return { kind: 'admitted' as const, memberId, role: invite.role, epoch, usedCount, sealed };
      });
      this.metrics.inviteClaimsTotal.inc({ version: input.via, result: 'admitted' });
      this.realtime.emitUi(mesh.id, 'members_changed', { meshId: mesh.id });
      this.realtime.emitUi(mesh.id, 'invites_changed', { meshId: mesh.id }, { adminOnly: true });
      return result;
    } catch (e) {
      if (!(e instanceof Abort)) throw e;
      return this.afterAbort(input, e.outcome);
    }
  }

  /** After a rollback: a concurrent identical claim won (→ already member), or the invite's current 410 state. */
  private async afterAbort(input: AdmitInput, outcome: Abort['outcome']): Promise<AdmitResult> {
    const member = await this.activeMember(input.mesh.id, input.peerPubkey);
    if (member) return { kind: 'already_member', member };
    if (outcome === 'already_member') throw new AppError('internal_error', 'admission conflict');
    const invite = (await this.invites.findById(input.invite.id)) ?? input.invite;
    const mesh = (await this.invites.findMesh(input.mesh.id)) ?? input.mesh;
    const status = landingStatus(invite, mesh);
    if (status === 'revoked') throw inviteError('invite_revoked', 'revoked');
    if (status === 'mesh_archived') throw inviteError('mesh_archived', 'mesh_archived');
    if (status === 'expired') throw inviteError('invite_expired', 'expired');
    throw inviteError('invite_exhausted', 'exhausted');
  }
}
