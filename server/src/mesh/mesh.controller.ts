import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import {
  CreateMeshDto,
  EmptyBodyDto,
  ListMeshesQueryDto,
  TransferMeshDto,
  UpdateMeshDto,
  type MeshListItem,
  type MeshResponse,
  type Page,
  type RotateRootKeyResponse,
} from '@claudemesh/shared/dto';
import { IdParamPipe } from '../common/pipes';
import type { AuthContext } from '../auth/auth-context';
import { AuthGuard } from '../auth/auth.guard';
import { CurrentAuth } from '../auth/current-auth.decorator';
import { ApiAuth, ApiDtoBody, ApiDtoQuery, ApiErrors, ApiJson, pageOf } from '../auth/openapi';
import { EPOCH_SCHEMA, MESH_LIST_ITEM_SCHEMA, MESH_SCHEMA } from './mesh.schemas';
import { MeshService } from './mesh.service';

const MESH_ID = { name: 'id', description: 'mesh id (32 base62); an unknown or invisible mesh is 404' };

@ApiTags('meshes')
@Controller('api/meshes')
@UseGuards(AuthGuard)
@ApiAuth()
export class MeshController {
  constructor(private readonly meshes: MeshService) {}

  @Get()
  @ApiOperation({ summary: "The caller's meshes, newest first (archived=true lists archived ones instead)." })
  @ApiDtoQuery(ListMeshesQueryDto)
  @ApiJson(200, 'A page of meshes', pageOf(MESH_LIST_ITEM_SCHEMA))
  @ApiErrors('validation_failed')
  list(@CurrentAuth() auth: AuthContext, @Query() q: ListMeshesQueryDto): Promise<Page<MeshListItem>> {
    return this.meshes.list(auth, q);
  }

  @Post()
  @ApiOperation({ summary: 'Create a mesh (name only; the slug is derived and not unique). Generates the owner keypair and root key epoch 1.' })
  @ApiDtoBody(CreateMeshDto)
  @ApiJson(201, 'The mesh', MESH_SCHEMA)
  @ApiErrors('validation_failed', 'invalid_json')
  create(@CurrentAuth() auth: AuthContext, @Body() dto: CreateMeshDto): Promise<MeshResponse> {
    return this.meshes.create(auth, dto);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A mesh with counts (member+).' })
  @ApiParam(MESH_ID)
  @ApiJson(200, 'The mesh', MESH_SCHEMA)
  @ApiErrors('not_found')
  get(@CurrentAuth() auth: AuthContext, @Param('id', IdParamPipe) id: string): Promise<MeshResponse> {
    return this.meshes.get(auth, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename a mesh (admin+); the slug is derived again.' })
  @ApiParam(MESH_ID)
  @ApiDtoBody(UpdateMeshDto)
  @ApiJson(200, 'The mesh', MESH_SCHEMA)
  @ApiErrors('validation_failed', 'invalid_json', 'forbidden', 'not_found', 'mesh_archived')
  rename(@CurrentAuth() auth: AuthContext, @Param('id', IdParamPipe) id: string, @Body() dto: UpdateMeshDto): Promise<MeshResponse> {
    return this.meshes.rename(auth, id, dto);
  }

  @Post(':id/archive')
  @HttpCode(200)
  @ApiOperation({ summary: 'Archive a mesh (owner; idempotent): ends every session, stops invites, makes it read-only.' })
  @ApiParam(MESH_ID)
  @ApiDtoBody(EmptyBodyDto)
  @ApiJson(200, 'The mesh with archivedAt', MESH_SCHEMA)
  @ApiErrors('validation_failed', 'forbidden', 'not_found')
  archive(@CurrentAuth() auth: AuthContext, @Param('id', IdParamPipe) id: string, @Body() _body: EmptyBodyDto): Promise<MeshResponse> {
    return this.meshes.archive(auth, id);
  }

  @Post(':id/transfer')
  @HttpCode(200)
  @ApiOperation({ summary: 'Transfer ownership (owner) to an account linked to a member of this mesh: exactly one of accountId and email.' })
  @ApiParam(MESH_ID)
  @ApiDtoBody(TransferMeshDto)
  @ApiJson(200, 'The mesh', MESH_SCHEMA)
  @ApiErrors('validation_failed', 'invalid_json', 'forbidden', 'not_found', 'transfer_target_invalid', 'mesh_archived')
  transfer(@CurrentAuth() auth: AuthContext, @Param('id', IdParamPipe) id: string, @Body() dto: TransferMeshDto): Promise<MeshResponse> {
    return this.meshes.transfer(auth, id, dto);
  }

  @Post(':id/rotate-root-key')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate the root key (admin+); connected members receive the new epoch sealed to them.' })
  @ApiParam(MESH_ID)
  @ApiDtoBody(EmptyBodyDto)
  @ApiJson(200, 'The new epoch', EPOCH_SCHEMA)
  @ApiErrors('validation_failed', 'forbidden', 'not_found', 'mesh_archived')
  rotate(@CurrentAuth() auth: AuthContext, @Param('id', IdParamPipe) id: string, @Body() _body: EmptyBodyDto): Promise<RotateRootKeyResponse> {
    return this.meshes.rotateRootKey(auth, id);
  }
}
