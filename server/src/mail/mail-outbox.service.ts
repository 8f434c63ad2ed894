import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { MailOutboxEntity } from '@claudemesh/database';
import { generateId, isId } from '@claudemesh/shared/crypto';
import type { MailOutboxListResponse, MailOutboxQueryDto } from '@claudemesh/shared/dto';
import { AppError } from '@claudemesh/shared/errors';
import type { AuthContext } from '../auth/auth-context';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MeshAccessService } from '../mesh/mesh-access.service';
import { renderInviteMail, type InviteMailInput } from './invite-mail.renderer';
import { MailOutboxRepository } from './mail-outbox.repository';
import { MAIL_TRANSPORT, type MailTransport } from './mail-transport';
import { decodeCursor, pageOf } from '../auth/cursor';
import { toMailOutboxItem } from './mail.mapper';

export interface QueueInviteMail extends InviteMailInput {
  meshId: string;
  inviteId: string;
  pendingInviteId: string;
  to: string;
}

/** Queues rendered mail in the caller's transaction, and lists the outbox for admins (api.md §7). */
@Injectable()
export class MailOutboxService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    private readonly repo: MailOutboxRepository,
    private readonly meshAccess: MeshAccessService,
  ) {}

  get transportName(): MailTransport['name'] {
    return this.transport.name;
  }

  /** Renders and inserts one invite mail; `stored` for the outbox transport, else `pending` for the sender. */
  async queueInviteMail(manager: EntityManager, m: QueueInviteMail): Promise<MailOutboxEntity> {
    const rendered = renderInviteMail(m);
    return this.repo.insert(manager, {
      id: generateId(),
      meshId: m.meshId,
      inviteId: m.inviteId,
      pendingInviteId: m.pendingInviteId,
      toAddress: m.to,
      fromAddress: this.config.mailFrom,
      subject: rendered.subject,
      textBody: rendered.text,
      htmlBody: rendered.html,
      transport: this.transport.name,
      status: this.transport.name === 'outbox' ? 'stored' : 'pending',
    });
  }

  async cancelUnsentForInvite(manager: EntityManager, inviteId: string): Promise<void> {
    await this.repo.cancelUnsentForInvite(manager, inviteId);
  }

  async list(auth: AuthContext, q: MailOutboxQueryDto): Promise<MailOutboxListResponse> {
    const meshId = q.meshId ?? null;
    if (meshId === null) {
      if (!auth.account.isAdmin) {
        throw new AppError('validation_failed', 'meshId is required', {
          fields: [{ field: 'meshId', message: 'meshId is required' }],
        });
      }
    } else if (auth.account.isAdmin) {
      if (!isId(meshId) || !(await this.repo.meshExists(meshId))) throw new AppError('not_found', 'Mesh not found');
    } else {
      await this.meshAccess.require(auth, meshId, 'admin');
    }
    const limit = Number(q.limit ?? 50);
    const rows = await this.repo.list({ meshId, status: q.status ?? null, limit: limit + 1, afterId: decodeCursor(q.cursor) ?? null });
    return pageOf(rows, limit, toMailOutboxItem);
  }
}
