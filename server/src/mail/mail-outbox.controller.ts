import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { MailOutboxQueryDto, type MailOutboxListResponse } from '@claudemesh/shared/dto';
import { AuthGuard } from '../auth/auth.guard';
import type { AuthContext } from '../auth/auth-context';
import { CurrentAuth } from '../auth/current-auth.decorator';
import { ApiAuth, ApiDtoQuery, ApiErrors, ApiJson, iso, isoNullable, pageOf } from '../auth/openapi';
import { MailOutboxService } from './mail-outbox.service';

const str = { type: 'string' };
const strN = { type: 'string', nullable: true };
/** One row of the outbox (api.md §7). */
const MAIL_OUTBOX_ITEM_SCHEMA = {
  type: 'object',
  properties: {
    id: str,
    meshId: strN,
    inviteId: strN,
    to: str,
    subject: str,
    text: str,
    html: str,
    transport: { type: 'string', enum: ['outbox', 'smtp', 'postmark'] },
    status: { type: 'string', enum: ['stored', 'pending', 'sending', 'sent', 'failed', 'cancelled'] },
    attempts: { type: 'integer' },
    lastError: strN,
    createdAt: iso,
    sentAt: isoNullable,
  },
};

@ApiTags('mail')
@Controller()
@UseGuards(AuthGuard)
@ApiAuth()
export class MailOutboxController {
  constructor(private readonly mail: MailOutboxService) {}

  @Get('api/mail-outbox')
  @ApiOperation({ summary: 'Read the mail outbox, newest first: instance admins (meshId optional), or admin+ of the given mesh.' })
  @ApiDtoQuery(MailOutboxQueryDto)
  @ApiJson(200, 'A page of outbox rows', pageOf(MAIL_OUTBOX_ITEM_SCHEMA))
  @ApiErrors('validation_failed', 'forbidden', 'not_found')
  list(@CurrentAuth() auth: AuthContext, @Query() query: MailOutboxQueryDto): Promise<MailOutboxListResponse> {
    return this.mail.list(auth, query);
  }
}
