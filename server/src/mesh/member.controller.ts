import { Body, Controller, Delete, Get, Param, Patch, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { EmptyBodyDto, ListMembersQueryDto, UpdateMemberDto, type MemberResponse, type Page, type RemovedMemberResponse } from '@claudemesh/shared/dto';
import { sha256Hex } from '@claudemesh/shared/crypto';
import { IdParamPipe } from '../common/pipes';
import type { AuthContext } from '../auth/auth-context';
import { AuthGuard } from '../auth/auth.guard';
import { CurrentAuth } from '../auth/current-auth.decorator';
import { ApiAuth, ApiBodyErrors, ApiDtoBody, ApiDtoQuery, ApiErrors, ApiJson, pageOf } from '../auth/openapi';
import { MEMBER_SCHEMA, REMOVED_MEMBER_SCHEMA } from './mesh.schemas';
import { MemberService } from './member.service';

/**
 * Sets a strong ETag over the body and answers 304 when If-None-Match names it. Done here rather than by Express's
 * freshness check, which fetch clients defeat by adding `Cache-Control: no-cache` to conditional requests.
 */
function notModified(req: Request, res: Response, body: unknown): boolean {
  const etag = `"${sha256Hex(JSON.stringify(body)).slice(0, 32)}"`;
  res.setHeader('ETag', etag);
  const header = req.headers['if-none-match'];
  const match = typeof header === 'string' && header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*');
  if (match) res.status(304);
  return match;
}

const MESH_ID = { name: 'id', description: 'mesh id (32 base62)' };
const MEMBER_ID = { name: 'memberId', description: 'member id (32 base62)' };

@ApiTags('members')
@Controller('api/meshes/:id/members')
@UseGuards(AuthGuard)
@ApiAuth()
export class MemberController {
  constructor(private readonly members: MemberService) {}

  @Get()
  @ApiOperation({ summary: 'Members by joinedAt with their live sessions (member+; includeRemoved=true is admin+). Supports ETag / If-None-Match.' })
  @ApiParam(MESH_ID)
  @ApiDtoQuery(ListMembersQueryDto)
  @ApiHeader({ name: 'If-None-Match', required: false })
  @ApiJson(200, 'A page of members', pageOf(MEMBER_SCHEMA))
  @ApiResponse({ status: 304, description: 'Not modified (the ETag matched)' })
  @ApiErrors('validation_failed', 'forbidden', 'not_found')
  async list(
    @CurrentAuth() auth: AuthContext,
    @Param('id', IdParamPipe) id: string,
    @Query() q: ListMembersQueryDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Page<MemberResponse> | undefined> {
    const page = await this.members.list(auth, id, q);
    return notModified(req, res, page) ? undefined : page;
  }

  @Patch(':memberId')
  @ApiOperation({ summary: 'Change a member: role, displayName, or linkEmail (an active account email, or null to unlink). admin+.' })
  @ApiParam(MESH_ID)
  @ApiParam(MEMBER_ID)
  @ApiDtoBody(UpdateMemberDto)
  @ApiJson(200, 'The member', MEMBER_SCHEMA)
  @ApiErrors('validation_failed', 'invalid_json', 'forbidden', 'not_found', 'account_not_found', 'mesh_archived')
  update(
    @CurrentAuth() auth: AuthContext,
    @Param('id', IdParamPipe) id: string,
    @Param('memberId', IdParamPipe) memberId: string,
    @Body() dto: UpdateMemberDto,
  ): Promise<MemberResponse> {
    return this.members.update(auth, id, memberId, dto);
  }

  @Delete(':memberId')
  @ApiOperation({ summary: 'Remove a member (admin+; idempotent): its sessions are terminated and the root key rotates.' })
  @ApiParam(MESH_ID)
  @ApiParam(MEMBER_ID)
  @ApiJson(200, 'The removal', REMOVED_MEMBER_SCHEMA)
  @ApiErrors('forbidden', 'not_found', 'mesh_archived')
  @ApiBodyErrors()
  remove(
    @CurrentAuth() auth: AuthContext,
    @Param('id', IdParamPipe) id: string,
    @Param('memberId', IdParamPipe) memberId: string,
    @Body() _body: EmptyBodyDto,
  ): Promise<RemovedMemberResponse> {
    return this.members.removeMember(auth, id, memberId);
  }
}
