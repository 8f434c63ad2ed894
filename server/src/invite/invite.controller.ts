import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import {
  CreateInviteDto,
  EmptyBodyDto,
  ListInvitesQueryDto,
  type CreateInviteResponse,
  type InviteListResponse,
  type InviteResponse,
  type ResendInviteResponse,
} from '@claudemesh/shared/dto';
import type { AuthContext } from '../auth/auth-context';
import { AuthGuard } from '../auth/auth.guard';
import { CurrentAuth } from '../auth/current-auth.decorator';
import { ApiAuth, ApiBodyErrors, ApiDtoBody, ApiDtoQuery, ApiErrors, ApiJson, pageOf } from '../auth/openapi';
import { IdParamPipe } from '../common/pipes';
import { InviteAdminService } from './invite-admin.service';
import { InviteMintService } from './invite-mint.service';
import { CREATED_INVITE_SCHEMA, INVITE_SCHEMA, MAIL_INFO_SCHEMA } from './invite.schemas';

/** Managing a mesh's invites (api.md §5); admin+ only. */
@ApiTags('invites')
@Controller('api/meshes/:id/invites')
@UseGuards(AuthGuard)
@ApiAuth()
@ApiParam({ name: 'id', description: 'mesh id (32 base62)' })
@ApiErrors('forbidden', 'not_found')
export class InviteController {
  constructor(
    private readonly admin: InviteAdminService,
    private readonly mint: InviteMintService,
  ) {}

  @Get()
  @ApiOperation({ summary: "The mesh's invites, newest first (admin+)." })
  @ApiDtoQuery(ListInvitesQueryDto)
  @ApiJson(200, 'A page of invites', pageOf(INVITE_SCHEMA))
  @ApiErrors('validation_failed')
  list(@CurrentAuth() auth: AuthContext, @Param('id', IdParamPipe) meshId: string, @Query() q: ListInvitesQueryDto): Promise<InviteListResponse> {
    return this.admin.list(auth, meshId, q);
  }

  @Post()
  @ApiOperation({ summary: 'Mint an invite: v2 by default, v1 when allowed, an email invite with `email` (admin+).' })
  @ApiDtoBody(CreateInviteDto)
  @ApiJson(201, 'The invite with its creation extras', CREATED_INVITE_SCHEMA)
  @ApiErrors('validation_failed', 'invalid_json', 'v1_invites_disabled', 'invite_already_pending', 'mesh_archived', 'rate_limited')
  create(@CurrentAuth() auth: AuthContext, @Param('id', IdParamPipe) meshId: string, @Body() dto: CreateInviteDto): Promise<CreateInviteResponse> {
    return this.mint.create(auth, meshId, dto);
  }

  @Delete(':inviteId')
  @ApiOperation({ summary: 'Revoke an invite (idempotent); unsent mail is cancelled.' })
  @ApiParam({ name: 'inviteId', description: 'invite id (32 base62)' })
  @ApiJson(200, 'The invite with revokedAt', INVITE_SCHEMA)
  @ApiErrors('mesh_archived')
  @ApiBodyErrors()
  revoke(
    @CurrentAuth() auth: AuthContext,
    @Param('id', IdParamPipe) meshId: string,
    @Param('inviteId', IdParamPipe) inviteId: string,
    @Body() _body: EmptyBodyDto,
  ): Promise<InviteResponse> {
    return this.admin.revoke(auth, meshId, inviteId);
  }

  @Post(':inviteId/resend')
  @HttpCode(200)
  @ApiOperation({ summary: 'Queue a new mail for an email invite (same code).' })
  @ApiParam({ name: 'inviteId', description: 'invite id (32 base62)' })
  @ApiDtoBody(EmptyBodyDto)
  @ApiJson(200, 'The queued mail', { type: 'object', properties: { mail: MAIL_INFO_SCHEMA } })
  @ApiErrors('not_email_invite', 'invite_already_accepted', 'resend_limit', 'invite_revoked', 'invite_expired', 'invite_exhausted', 'mesh_archived', 'resend_too_soon')
  resend(
    @CurrentAuth() auth: AuthContext,
    @Param('id', IdParamPipe) meshId: string,
    @Param('inviteId', IdParamPipe) inviteId: string,
    @Body() _body: EmptyBodyDto,
  ): Promise<ResendInviteResponse> {
    return this.admin.resend(auth, meshId, inviteId);
  }
}
