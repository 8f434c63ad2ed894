import { IsOptional } from 'class-validator';
import { PageQueryDto } from '../common/page';
import { IsOneOf, IsTrimmedString } from '../common/validators';
import type { MailStatus, MailTransportName } from '../invite/invite.response';

export const MAIL_STATUSES = ['stored', 'pending', 'sending', 'sent', 'failed', 'cancelled'] as const;

/** `GET /api/mail-outbox?meshId=&status=&limit=&cursor=` (api.md §7), newest first. */
export class MailOutboxQueryDto extends PageQueryDto {
  /** Required unless the caller is an instance admin; a malformed id reads as invisible (404). */
  @IsOptional()
  @IsTrimmedString({ min: 1, max: 64 })
  meshId?: string;

  @IsOptional()
  @IsOneOf(MAIL_STATUSES)
  status?: MailStatus;
}

/** One row of the mail outbox (api.md §7). */
export interface MailOutboxItem {
  id: string;
  meshId: string | null;
  inviteId: string | null;
  to: string;
  subject: string;
  text: string;
  html: string;
  transport: MailTransportName;
  status: MailStatus;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

export interface MailOutboxListResponse {
  data: MailOutboxItem[];
  nextCursor: string | null;
}
