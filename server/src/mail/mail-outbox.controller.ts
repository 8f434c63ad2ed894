import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { MailOutboxQueryDto, type MailOutboxListResponse } from '@claudemesh/shared/dto';
import { AuthGuard } from '../auth/auth.guard';
import type { AuthContext } from '../auth/auth-context';
import { CurrentAuth } from '../auth/current-auth.decorator';
import { MailOutboxService } from './mail-outbox.service';

@ApiTags('mail')
@ApiCookieAuth()
@ApiBearerAuth()
@Controller()
@UseGuards(AuthGuard)
export class MailOutboxController {
  constructor(private readonly mail: MailOutboxService) {}

  @Get('api/mail-outbox')
  @ApiOperation({ summary: 'Read the mail outbox (instance admins, or mesh admins for their mesh), newest first' })
  @ApiOkResponse({ description: '{data: MailOutboxItem[], nextCursor}' })
  @ApiResponse({ status: 400, description: 'validation_failed (meshId missing for a non-instance-admin)' })
  @ApiResponse({ status: 401, description: 'unauthenticated' })
  @ApiResponse({ status: 403, description: 'forbidden (a plain member)' })
  @ApiResponse({ status: 404, description: 'not_found (a mesh the caller cannot see)' })
  list(@CurrentAuth() auth: AuthContext, @Query() query: MailOutboxQueryDto): Promise<MailOutboxListResponse> {
    return this.mail.list(auth, query);
  }
}
