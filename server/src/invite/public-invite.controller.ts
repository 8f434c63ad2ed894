import { Body, Controller, Get, Headers, HttpCode, Ip, Param, Post, Res, UseInterceptors } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  ClaimInviteDto,
  JoinV1Dto,
  type ClaimInviteResponse,
  type InviteCodeResolution,
  type InviteLandingResponse,
  type JoinV1Response,
} from '@claudemesh/shared/dto';
import { ApiDtoBody, ApiErrors, ApiJson } from '../auth/openapi';
import { InviteClaimService } from './invite-claim.service';
import { NoStoreInterceptor } from './no-store.interceptor';
import { InviteJoinService } from './invite-join.service';
import { InviteLandingService } from './invite-landing.service';
import { CLAIM_RESPONSE_SCHEMA, CODE_RESOLUTION_SCHEMA, JOIN_RESPONSE_SCHEMA, LANDING_SCHEMA } from './invite.schemas';

const CLAIM_ERRORS = [
  'invite_malformed',
  'validation_failed',
  'invalid_proof',
  'unauthenticated',
  'invite_not_found',
  'invite_revoked',
  'mesh_archived',
  'invite_expired',
  'invite_version_mismatch',
  'member_removed',
  'invite_exhausted',
  'invite_bad_signature',
  'mesh_full',
  'rate_limited',
  'internal_error',
] as const;

/**
 * The public invite endpoints (api.md §8, §9). No auth; `Cache-Control: no-store` on every answer. Bodies are taken
 * raw and validated by the services, so the contract's check order (code, body, proof) holds.
 */
@ApiTags('public invites')
@Controller()
@UseInterceptors(NoStoreInterceptor)
export class PublicInviteController {
  constructor(
    private readonly landingService: InviteLandingService,
    private readonly claims: InviteClaimService,
    private readonly joins: InviteJoinService,
  ) {}

  @Get('api/public/invites/:ref')
  @ApiOperation({ summary: 'Consent landing data for an invite code or a v1 token (invites.md §8).' })
  @ApiParam({ name: 'ref', description: 'an invite code, or a v1 token' })
  @ApiJson(200, 'Landing data', LANDING_SCHEMA)
  @ApiErrors('invite_malformed', 'invite_bad_signature', 'invite_not_found', 'rate_limited', 'internal_error')
  landing(@Param('ref') ref: string, @Ip() ip: string): Promise<InviteLandingResponse> {
    return this.landingService.landing(ref, ip);
  }

  @Get('api/public/invite-code/:code')
  @ApiOperation({ summary: 'Resolve a short code to {token, version} (the v1 token, or the code for v2).' })
  @ApiJson(200, 'The token of a valid invite', CODE_RESOLUTION_SCHEMA)
  @ApiErrors('invite_malformed', 'invite_not_found', 'invite_revoked', 'mesh_archived', 'invite_expired', 'invite_exhausted', 'rate_limited', 'internal_error')
  resolve(@Param('code') code: string, @Ip() ip: string): Promise<InviteCodeResolution> {
    return this.landingService.resolveCode(code, ip);
  }

  @Post('api/public/invites/:code/claim')
  @HttpCode(200)
  @ApiOperation({ summary: 'Claim a v2 invite (invites.md §4.3). Optional `Authorization: Bearer <PAT>` links the member.' })
  @ApiDtoBody(ClaimInviteDto)
  @ApiJson(200, 'Admitted, or already a member', CLAIM_RESPONSE_SCHEMA)
  @ApiErrors(...CLAIM_ERRORS)
  claim(@Param('code') code: string, @Body() body: unknown, @Ip() ip: string, @Headers('authorization') authorization?: string): Promise<ClaimInviteResponse> {
    return this.claims.claim({ code, body, ip, authorization });
  }

  @Post('invites/:code/claim')
  @HttpCode(200)
  @ApiOperation({ summary: 'Alias of POST /api/public/invites/:code/claim.' })
  @ApiDtoBody(ClaimInviteDto)
  @ApiJson(200, 'Admitted, or already a member', CLAIM_RESPONSE_SCHEMA)
  @ApiErrors(...CLAIM_ERRORS)
  claimAlias(@Param('code') code: string, @Body() body: unknown, @Ip() ip: string, @Headers('authorization') authorization?: string): Promise<ClaimInviteResponse> {
    return this.claims.claim({ code, body, ip, authorization });
  }

  @Post('api/public/join')
  @HttpCode(200)
  @ApiOperation({ summary: 'Redeem a v1 invite token (invites.md §3.3).' })
  @ApiDtoBody(JoinV1Dto)
  @ApiJson(200, 'Admitted, or already a member', JOIN_RESPONSE_SCHEMA)
  @ApiErrors(...CLAIM_ERRORS)
  join(@Body() body: unknown, @Ip() ip: string, @Headers('authorization') authorization?: string): Promise<JoinV1Response> {
    return this.joins.join({ body, ip, authorization });
  }

  @Get('i/:code')
  @ApiOperation({ summary: 'Short link: 302 to /join/<v1 token> for a valid v1 invite, else /join/<code>. Never 404.' })
  @ApiResponse({ status: 302, description: 'Redirect to the landing page (Referrer-Policy: no-referrer)' })
  @ApiErrors('rate_limited', 'internal_error')
  async shortLink(@Param('code') code: string, @Ip() ip: string, @Res() res: Response): Promise<void> {
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.redirect(302, await this.landingService.redirectTarget(code, ip));
  }
}
