import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { InviteListResponse, InviteResponse, ListInvitesQueryDto, ResendInviteResponse } from '@claudemesh/shared/dto';
import { AppError } from '@claudemesh/shared/errors';
import { AuditService } from '../audit/audit.service';
import { accountActor, type AuthContext } from '../auth/auth-context';
import { decodeCursor, pageOf } from '../auth/cursor';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MailOutboxService } from '../mail/mail-outbox.service';
import { toMailInfo } from '../mail/mail.mapper';
import { MeshAccessService } from '../mesh/mesh-access.service';
import { RealtimeService } from '../realtime/realtime.service';
import { inviteError, inviteOwnStatus } from './invite-lifecycle';
import { cliCommandOf, installCommandOf, shortUrlOf } from './invite-links';
import { toInviteResponse } from './invite.mapper';
import { InviteRepository } from './invite.repository';
import { PendingInviteRepository } from './pending-invite.repository';

/** invites.md §9 resend limits. */
export const RESEND_MIN_INTERVAL_MS = 60_000;
export const RESEND_MAX_MAILS = 5;

/** Managing invites (api.md §5): list, revoke, resend. Admins only; members never see codes or tokens. */
@Injectable()
export class InviteAdminService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly invites: InviteRepository,
    private readonly pending: PendingInviteRepository,
    private readonly meshAccess: MeshAccessService,
    private readonly audit: AuditService,
    private readonly mail: MailOutboxService,
    private readonly realtime: RealtimeService,
  ) {}

  async list(auth: AuthContext, meshId: string, q: ListInvitesQueryDto): Promise<InviteListResponse> {
    await this.meshAccess.require(auth, meshId, 'admin');
    const limit = Number(q.limit ?? 50);
    const rows = await this.invites.list(meshId, q.status ?? 'all', limit + 1, decodeCursor(q.cursor) ?? null);
    return pageOf(rows, limit, (r) => toInviteResponse(r, this.config.publicUrl));
  }

  /** Idempotent: revokes the invite and its pending rows, cancels unsent mail, audits once. */
  async revoke(auth: AuthContext, meshId: string, inviteId: string): Promise<InviteResponse> {
    await this.meshAccess.require(auth, meshId, 'admin', { write: true });
    const changed = await this.dataSource.transaction(async (m) => {
      const row = await this.invites.findListRow(meshId, inviteId, m);
      if (!row) throw new AppError('not_found', 'No such resource');
      if (!(await this.invites.revoke(m, inviteId))) return false;
      await this.pending.revokeForInvite(m, inviteId);
      await this.mail.cancelUnsentForInvite(m, inviteId);
      await this.audit.append(m, meshId, [{ type: 'invite.revoked', actor: accountActor(auth), data: { inviteId } }]);
      return true;
    });
    if (changed) this.realtime.emitUi(meshId, 'invites_changed', { meshId }, { adminOnly: true });
    const row = await this.invites.findListRow(meshId, inviteId);
    return toInviteResponse(row!, this.config.publicUrl);
  }

  /** Queues a new mail for the same code (invites.md §9 "Resend"). */
  async resend(auth: AuthContext, meshId: string, inviteId: string): Promise<ResendInviteResponse> {
    const { mesh } = await this.meshAccess.require(auth, meshId, 'admin', { write: true });
    const mailRow = await this.dataSource.transaction(async (m) => {
      const invite = await this.invites.findById(inviteId, m);
      if (!invite || invite.meshId !== meshId) throw new AppError('not_found', 'No such resource');
      const p = await this.pending.findForInviteLocked(m, inviteId);
      if (!p) throw new AppError('not_email_invite', 'This invite was not sent by email.');
      if (p.acceptedAt) throw new AppError('invite_already_accepted', 'This invite was already accepted.');
      const status = inviteOwnStatus(invite);
      if (status === 'revoked') throw inviteError('invite_revoked', 'revoked');
      if (status === 'expired') throw inviteError('invite_expired', 'expired');
      if (status === 'exhausted') throw inviteError('invite_exhausted', 'exhausted');
      if (p.sentCount >= RESEND_MAX_MAILS) throw new AppError('resend_limit', `This invite was already mailed ${RESEND_MAX_MAILS} times.`);
      const since = p.lastSentAt ? Date.now() - p.lastSentAt.getTime() : Infinity;
      if (since < RESEND_MIN_INTERVAL_MS) {
        const retryAfterMs = RESEND_MIN_INTERVAL_MS - since;
        throw new AppError('resend_too_soon', 'Wait a minute before sending this invite again.', { retryAfterMs });
      }
      const shortUrl = shortUrlOf(this.config.publicUrl, invite.code as string);
      const row = await this.mail.queueInviteMail(m, {
        meshId,
        inviteId,
        pendingInviteId: p.id,
        to: p.email,
        meshName: mesh.name,
        inviterName: auth.account.displayName,
        role: invite.role,
        expiresAt: invite.expiresAt,
        shortUrl,
        cliCommand: cliCommandOf(shortUrl),
        installCommand: installCommandOf(this.config.publicUrl),
      });
      await this.pending.markSent(m, p.id);
      await this.audit.append(m, meshId, [{ type: 'invite.resent', actor: accountActor(auth), data: { inviteId } }]);
      return row;
    });
    return { mail: toMailInfo(mailRow) };
  }
}
