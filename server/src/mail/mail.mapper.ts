import type { MailOutboxEntity } from '@claudemesh/database';
import type { InviteMailInfo, MailOutboxItem } from '@claudemesh/shared/dto';

export function toMailOutboxItem(row: MailOutboxEntity): MailOutboxItem {
  return {
    id: row.id,
    meshId: row.meshId,
    inviteId: row.inviteId,
    to: row.toAddress,
    subject: row.subject,
    text: row.textBody,
    html: row.htmlBody,
    transport: row.transport,
    status: row.status,
    attempts: row.attempts,
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
    sentAt: row.sentAt ? row.sentAt.toISOString() : null,
  };
}

export const toMailInfo = (row: MailOutboxEntity): InviteMailInfo => ({
  transport: row.transport,
  status: row.status,
  outboxId: row.id,
});
