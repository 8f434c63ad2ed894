import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuditListQueryDto } from '@claudemesh/shared/dto';
import type { AuditListResponse, AuditVerifyResponse } from '@claudemesh/shared/protocol';
import { AuthGuard } from '../auth/auth.guard';
import type { AuthContext } from '../auth/auth-context';
import { CurrentAuth } from '../auth/current-auth.decorator';
import { ApiAuth, ApiDtoQuery, ApiErrors, ApiJson } from '../auth/openapi';
import { IdParamPipe } from '../common/pipes';
import { AUDIT_LIST_SCHEMA, AUDIT_VERIFY_SCHEMA } from './audit.schemas';
import { AuditService } from './audit.service';

const MESH_ID = { name: 'id', description: 'mesh id (32 base62); an unknown or invisible mesh is 404' };

/** api.md §6: the mesh audit list and chain verification (member+). */
@ApiTags('audit')
@Controller('api/meshes/:id/audit')
@UseGuards(AuthGuard)
@ApiAuth()
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'The audit chain, newest first; pages with before/nextBefore; type filters by prefix (member+).' })
  @ApiParam(MESH_ID)
  @ApiDtoQuery(AuditListQueryDto)
  @ApiJson(200, 'A page of audit entries', AUDIT_LIST_SCHEMA)
  @ApiErrors('validation_failed', 'not_found')
  list(@CurrentAuth() auth: AuthContext, @Param('id', IdParamPipe) meshId: string, @Query() query: AuditListQueryDto): Promise<AuditListResponse> {
    return this.audit.list(auth, meshId, query);
  }

  @Get('verify')
  @ApiOperation({ summary: 'Verify the hash chain and name the first broken link (member+; 6 calls per minute per account).' })
  @ApiParam(MESH_ID)
  @ApiJson(200, 'The verification result', AUDIT_VERIFY_SCHEMA)
  @ApiErrors('not_found', 'rate_limited')
  verify(@CurrentAuth() auth: AuthContext, @Param('id', IdParamPipe) meshId: string): Promise<AuditVerifyResponse> {
    return this.audit.verifyForAccount(auth, meshId);
  }
}
